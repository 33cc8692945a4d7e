import { type RefObject, useEffect, useRef } from 'react';
import { type Dialog, useEditor } from '../store';

type DialogName = Exclude<Dialog, undefined>;

/**
 * Keeps a `<dialog>` element's modal state in step with the store's open
 * dialog: returns the ref to put on the element and whether it is open.
 */
export function useModalDialog(name: DialogName): {
  ref: RefObject<HTMLDialogElement | null>;
  open: boolean;
} {
  const open = useEditor((s) => s.dialog === name);
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return { ref, open };
}
