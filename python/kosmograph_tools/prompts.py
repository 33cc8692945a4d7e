"""Prompts for the tokenizer goldens (test/fixtures/sd15/golden/tokens.json).

Grouped by what they exercise; every group is kept in this fixed order, so the
list (and the file) is the same on every run.
"""

from __future__ import annotations

PLAIN = [
    "a photo of a cat",
    "a red circle on a white background, highly detailed",
    "blurry, low quality",
    "An astronaut riding a horse on Mars",
    "portrait of an old man, oil painting, rembrandt lighting",
    "a bowl of fruit on a wooden table",
    "cyberpunk city at night, neon lights, rain",
    "a watercolor painting of a lighthouse",
    "A PHOTO OF A DOG IN UPPERCASE",
    "MiXeD CaSe WoRdS",
    "masterpiece, best quality, ultra detailed, 8k",
    "a",
    "I",
    "cat",
    "photograph",
    "the quick brown fox jumps over the lazy dog",
    "a landscape with mountains and a lake at sunrise",
    "steampunk airship above victorian london",
    "macro shot of a dew drop on a leaf",
    "isometric pixel art of a tiny village",
    "a cute corgi wearing sunglasses",
    "low poly fox, 3d render, blender",
    "hyperrealistic, photorealistic, unreal engine 5",
    "supercalifragilisticexpialidocious",
    "pneumonoultramicroscopicsilicovolcanoconiosis",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "zzzzzzzzzzzz qqqqqqqq xkcd",
    "kosmograph",
    "stable diffusion",
    "text to image",
]

PUNCTUATION = [
    'a cat, dog; & "quoted" (parens) [x] 3.5 #1 !!',
    "hello, world!",
    "what?!?! really...",
    "wait... what???",
    "(masterpiece:1.2), (best quality:1.1), [blurry]",
    "((((cat))))",
    "[cat|dog] {red,blue}",
    "a_b c-d e.f g/h i\\j",
    "snake_case_words and kebab-case-words",
    "C++ and C# and F#",
    "user@example.com",
    "https://example.com/path?query=1&x=2",
    "#hashtag @mention $dollar %percent ^caret *star",
    "~tilde `backtick` |pipe| <angle> =equals= +plus+",
    ":) :( ;) :D <3 xD",
    "--- *** ___ ... ,,, ;;; :::",
    "!!!!!!!!!!",
    "?",
    ".",
    "a.b.c.d",
    "1+1=2",
    "50% off!!!",
    "Mr. & Mrs. Smith's house",
    "rock'n'roll",
    "semi-colon; colon: comma, period.",
    "&amp; &lt;tag&gt; &quot;html&quot; &#39;entities&#39;",
    "<b>bold</b> <i>italic</i>",
    "embedding:my_style, lora:detail:0.8",
    "<|startoftext|> literal special tokens <|endoftext|>",
    "<|endoftext|>",
]

APOSTROPHES = [
    "it's",
    "don't",
    "I'LL",
    "we're",
    "you've",
    "I'm",
    "she'd",
    "they'll",
    "it's a dog's life, isn't it?",
    "DON'T STOP",
    "can't won't shouldn't",
    "'quoted with single quotes'",
    "the cats' toys",
    "o'clock",
    "'s",
    "''",
    "it`s with a backtick",
    "it\u2019s with a curly apostrophe",
    "don\u2019t with a curly apostrophe",
    "Y'ALL'D'VE",
]

NUMBERS = [
    "3.5",
    "1234567890",
    "1,000,000 dollars",
    "2024-01-01",
    "12:30 pm",
    "0.0001",
    "-42",
    "1e10",
    "v1.5",
    "4k 8k 16k uhd",
    "1girl, 2boys",
    "f/1.8 50mm iso 100",
    "100% 200% 300%",
    "\u0661\u0662\u0663 arabic-indic digits",
    "\u2460\u2461\u2462 circled digits",
    "\u00bd \u00bc fractions",
    "x\u00b2 + y\u00b2 = z\u00b2",
    "007",
    "3.14159265358979323846",
    "1 2 3 4 5 6 7 8 9 10",
]

UNICODE = [
    "caf\u00e9",
    "cafe\u0301 (combining acute)",
    "na\u00efve r\u00e9sum\u00e9 fa\u00e7ade",
    "\u00c9COLE \u00c0 PARIS",
    "Stra\u00dfe",
    "STRASSE vs Stra\u00dfe vs \u1e9e",
    "M\u00fcnchen \u00d6sterreich Z\u00fcrich",
    "\u00e5\u00e6\u00f8 \u00c5\u00c6\u00d8",
    "\u0142\u00f3d\u017a \u017c\u00f3\u0142w",
    "\u00e7a va? o\u00f9 est la biblioth\u00e8que",
    "\u732b",
    "\u4e00\u53ea\u53ef\u7231\u7684\u732b",
    "\u6771\u4eac\u30bf\u30ef\u30fc\u306e\u5199\u771f",
    "\u3072\u3089\u304c\u306a \u30ab\u30bf\u30ab\u30ca",
    "\ud55c\uad6d\uc5b4 \ubb38\uc7a5",
    "\u041a\u043e\u0448\u043a\u0430 \u043d\u0430 \u043a\u0440\u044b\u0448\u0435",
    "\u041f\u0420\u0418\u0412\u0415\u0422 \u043c\u0438\u0440",
    "\u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac \u03b3\u03c1\u03ac\u03bc\u03bc\u03b1\u03c4\u03b1",
    "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645",
    "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd",
    "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35",
    "\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e",
    "\U0001f431",
    "a cat \U0001f431 and a dog \U0001f436",
    "\U0001f525\U0001f525\U0001f525",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467 family zwj sequence",
    "\U0001f44d\U0001f3fd thumbs up with skin tone",
    "\U0001f1e9\U0001f1ea\U0001f1ef\U0001f1f5 flags",
    "\u2764\ufe0f red heart with variation selector",
    "\u201ccurly double quotes\u201d",
    "\u2018curly single quotes\u2019",
    "\u00abguillemets\u00bb \u201elow quotes\u201c",
    "\uff26\uff55\uff4c\uff4c\u3000\uff37\uff49\uff44\uff54\uff48 letters",
    "\uff11\uff12\uff13 full-width digits",
    "\ufb01ne \ufb02oor \ufb00 ligatures",
    "\u0152uvre \u00e6ther",
    "em\u2014dash en\u2013dash",
    "ellipsis\u2026",
    "\u2122 \u00a9 \u00ae \u00b0 \u00b5 \u00a7",
    "\u03c0 \u2248 3.14 \u2260 \u221e",
    "\u2192 \u2190 \u2191 \u2193",
    "\u2605\u2606\u2665\u2666",
    "zero\u200bwidth\u200bspace",
    "\ufeffBOM at start",
    "soft\u00adhyphen",
    "non\u00a0breaking\u00a0space",
    "thin\u2009space and ideographic\u3000space",
    "caf\u00c3\u00a9 mojibake",
    "\u00e2\u0080\u009cmojibake quotes\u00e2\u0080\u009d",
    "Z\u0335\u0321a\u0336\u0322l\u0334\u0327g\u0337\u0328o\u0338\u0328 text",
    "\u0130stanbul \u0131\u0131",
    "\u1f08\u03b8\u03ae\u03bd\u03b1",
    "\u212b angstrom sign vs \u00c5",
    "\u2160 \u2161 \u2162 roman numerals",
    "\u24b6\u24b7\u24b8 circled letters",
    "\U0001d400\U0001d401\U0001d402 math bold",
    "\u00bfQu\u00e9? \u00a1S\u00ed!",
    "mixed \u732b cat \u041a\u043e\u0448\u043a\u0430 chat \U0001f431",
    "\ufffd replacement char",
    "control\u0007bell and\u001bescape",
]

WHITESPACE = [
    "",
    " ",
    "   ",
    "\n",
    "\t",
    "  leading spaces",
    "trailing spaces   ",
    "multiple    spaces   between    words",
    "line one\nline two",
    "line one\n\n\nline four",
    "tab\tseparated\tvalues",
    "\t\ttabs and  spaces \n mixed \r\n windows newline",
    "carriage\rreturn",
    "vertical\u000btab and form\u000cfeed",
    "  \n\t  a cat  \t\n  ",
    "a\u2028line separator\u2029paragraph",
    "word\u3000ideographic",
    "\u00a0\u00a0nbsp-padded\u00a0\u00a0",
    "one, two,three ,four",
    "no space,after,commas",
]

LONG = [
    # > 77 tokens: truncated to 75 tokens + bos/eos.
    "a very detailed photograph of a beautiful landscape with mountains, rivers, forests, "
    "a small village with red roofs, people walking on the streets, dogs and cats playing, "
    "birds flying in a clear blue sky, the sun setting behind the hills, golden hour light, "
    "long shadows, warm colors, cinematic composition, shot on a 35mm film camera, kodak portra 400, "
    "award winning, trending on artstation, highly detailed, sharp focus, 8k resolution",
    ", ".join(["masterpiece"] * 60),
    " ".join(["cat"] * 74),
    " ".join(["cat"] * 75),
    " ".join(["cat"] * 76),
    " ".join(["cat"] * 100),
    "lol" * 200,
    " ".join(str(i) for i in range(200)),
    "\U0001f431" * 60,
    "\u732b" * 100,
    ("a cat, dog; & \"quoted\" (parens) [x] 3.5 #1 !! " * 8).strip(),
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut "
    "labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris "
    "nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit "
    "esse cillum dolore eu fugiat nulla pariatur.",
    "\n".join(["new line"] * 50),
    "it's " * 40,
    "\u201cquote\u201d " * 30,
    "Stra\u00dfe " * 40,
]


def _combined() -> list[str]:
    """Deterministic combinations: subjects x styles, and some prompt-weighting syntax."""
    subjects = ["a cat", "an owl", "a robot", "a castle", "the sea"]
    styles = ["oil painting", "pixel art", "photo, 35mm", "anime style"]
    out = [f"{s}, {t}" for s in subjects for t in styles]
    out += [f"({s}:1.{i})" for i, s in enumerate(subjects)]
    out += [f"{s.upper()}!!!" for s in subjects]
    return out


def all_prompts() -> list[str]:
    prompts = PLAIN + PUNCTUATION + APOSTROPHES + NUMBERS + UNICODE + WHITESPACE + LONG + _combined()
    seen: set[str] = set()
    unique = []
    for p in prompts:
        if p not in seen:
            seen.add(p)
            unique.append(p)
    return unique


# Prompts whose text-encoder last_hidden_state goes into golden/embeddings.safetensors.
EMBEDDING_PROMPTS = [
    "a red circle on a white background, highly detailed",
    "blurry, low quality",
    "",
    "a photo of a cat",
    'a cat, dog; & "quoted" (parens) [x] 3.5 #1 !!',
    LONG[0],
]

PROMPT = "a red circle on a white background, highly detailed"
NEGATIVE_PROMPT = "blurry, low quality"
