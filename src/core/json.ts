/** JSON from text, or undefined when it is not JSON; what it holds is for a zod schema to check. */
export function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
