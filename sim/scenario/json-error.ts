/**
 * Where a JSON text goes wrong.
 *
 * `JSON.parse` reports a position for some syntax errors but not all (V8
 * says only "Unexpected token '}', … is not valid JSON" for a trailing
 * comma), and a scenario author needs a line and column every time, so this
 * small scanner walks the JSON grammar (RFC 8259) to find the first offending
 * character.
 */

/** A 1-based line and column in a text. */
export interface TextPosition {
  line: number;
  column: number;
}

/**
 * The offset of the first character at which `text` stops being valid JSON,
 * `text.length` if it ends too early, or `undefined` if it is valid.
 *
 * @example
 * ```ts
 * jsonSyntaxErrorOffset('{"a": 1,}'); // 8, the "}" after a trailing comma
 * ```
 */
export function jsonSyntaxErrorOffset(text: string): number | undefined {
  let at = 0;
  // Thrown (as a plain offset) to unwind the recursion at the first error.
  const fail = (): never => {
    throw at;
  };
  const space = () => {
    while (at < text.length && " \t\n\r".includes(text[at] as string)) at++;
  };
  const expect = (char: string) => {
    if (text[at] !== char) fail();
    at++;
  };
  const literal = (word: string) => {
    for (const char of word) expect(char);
  };
  const digits = () => {
    const start = at;
    while (at < text.length && /[0-9]/.test(text[at] as string)) at++;
    if (at === start) fail();
  };
  const number = () => {
    if (text[at] === "-") at++;
    if (text[at] === "0") at++;
    else digits();
    if (text[at] === ".") {
      at++;
      digits();
    }
    if (text[at] === "e" || text[at] === "E") {
      at++;
      if (text[at] === "+" || text[at] === "-") at++;
      digits();
    }
  };
  const string = () => {
    expect('"');
    for (;;) {
      const char = text[at];
      if (char === undefined || char < " ") fail();
      at++;
      if (char === '"') return;
      if (char === "\\") {
        if (text[at] === "u") {
          at++;
          for (let i = 0; i < 4; i++) {
            if (!/[0-9a-fA-F]/.test(text[at] ?? "")) fail();
            at++;
          }
        } else if ('"\\/bfnrt'.includes(text[at] ?? "x")) at++;
        else fail();
      }
    }
  };
  const value = (): void => {
    space();
    const char = text[at];
    if (char === "{") {
      at++;
      space();
      if (text[at] === "}") {
        at++;
        return;
      }
      for (;;) {
        space();
        string();
        space();
        expect(":");
        value();
        space();
        if (text[at] === ",") at++;
        else return expect("}");
      }
    }
    if (char === "[") {
      at++;
      space();
      if (text[at] === "]") {
        at++;
        return;
      }
      for (;;) {
        value();
        space();
        if (text[at] === ",") at++;
        else return expect("]");
      }
    }
    if (char === '"') return string();
    if (char === "t") return literal("true");
    if (char === "f") return literal("false");
    if (char === "n") return literal("null");
    if (char === "-" || (char !== undefined && /[0-9]/.test(char))) return number();
    fail();
  };
  try {
    value();
    space();
    if (at < text.length) fail();
    return undefined;
  } catch (offset) {
    if (typeof offset !== "number") throw offset;
    return Math.min(offset, text.length);
  }
}

/**
 * The 1-based line and column of a character offset in `text`.
 *
 * @example
 * ```ts
 * positionAt("{\n  x", 4); // { line: 2, column: 3 }
 * ```
 */
export function positionAt(text: string, offset: number): TextPosition {
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, column: (before.at(-1) ?? "").length + 1 };
}
