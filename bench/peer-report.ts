// Rows of `npm run bench:peer` from the collected samples: medians, ratios against the goals, the table.

export interface PeerGoal {
  /** What the ratio is against, e.g. "PyTorch". */
  readonly against: string;
  readonly ratio: number;
  readonly goal: number;
  readonly ok: boolean;
}

export interface PeerRow {
  readonly name: string;
  /** Medians in ms (or bytes for memory rows), by side. */
  readonly medians: Readonly<Record<string, number>>;
  /** Every sample, by side, in the order taken. */
  readonly samples: Readonly<Record<string, readonly number[]>>;
  readonly goals: readonly PeerGoal[];
  readonly unit: 'ms' | 'bytes';
}

/** The median; of an even count, the mean of the middle two. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no samples');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** A row comparing `subject`'s median with each other side's (ratio = subject / other). */
export function timeRow(
  name: string,
  samples: Readonly<Record<string, readonly number[]>>,
  subject: string,
  goals: readonly { readonly side: string; readonly against: string; readonly goal: number }[],
): PeerRow {
  const medians = Object.fromEntries(Object.entries(samples).map(([side, v]) => [side, median(v)]));
  const mine = medians[subject];
  if (mine === undefined) throw new Error(`row "${name}" has no samples of ${subject}`);
  return {
    name,
    medians,
    samples,
    unit: 'ms',
    goals: goals.map(({ side, against, goal }) => {
      const other = medians[side];
      if (other === undefined) throw new Error(`row "${name}" has no samples of ${side}`);
      const ratio = mine / other;
      return { against, ratio, goal, ok: ratio <= goal };
    }),
  };
}

const MiB = 1024 ** 2;

function cell(row: PeerRow, side: string): string {
  const v = row.medians[side];
  if (v === undefined) return '-';
  return row.unit === 'ms' ? `${(v / 1000).toFixed(2)} s` : `${(v / MiB).toFixed(0)} MiB`;
}

/** The printed table: one line per row, medians per side, then each ratio with its goal. */
export function formatTable(rows: readonly PeerRow[], sides: readonly string[]): string {
  const head = `${'peer benchmark'.padEnd(34)}${sides.map((s) => s.padStart(12)).join('')}  ratios (goal)`;
  const lines = rows.map((row) => {
    const ratios = row.goals
      .map((g) => `${g.ratio.toFixed(2)}x ${g.against} (<= ${g.goal.toFixed(2)}) ${g.ok ? 'ok' : 'MISSED'}`)
      .join('; ');
    return `${row.name.padEnd(34)}${sides.map((s) => cell(row, s).padStart(12)).join('')}  ${ratios}`;
  });
  return [head, ...lines].join('\n');
}
