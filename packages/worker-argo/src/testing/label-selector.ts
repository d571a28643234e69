/** Kubernetes label selectors, as the emulator's list endpoint understands them. */
type Requirement =
  | { op: "=" | "!="; key: string; value: string }
  | { op: "in" | "notin"; key: string; values: string[] }
  | { op: "exists" | "!exists"; key: string };

/** Splits on commas outside parentheses: "a=b,c in (x,y)" → ["a=b", "c in (x,y)"]. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of text) {
    if (char === "(") depth++;
    if (char === ")") depth--;
    if (char === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter((part) => part !== "");
}

function parseRequirement(text: string): Requirement {
  const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(text);
  if (set) {
    const values = (set[3] as string).split(",").map((value) => value.trim());
    return { op: set[2] as "in" | "notin", key: set[1] as string, values };
  }
  const equality = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(text);
  if (equality) {
    return {
      op: equality[2] === "!=" ? "!=" : "=",
      key: equality[1] as string,
      value: equality[3] as string,
    };
  }
  const exists = /^(!?)([^!=\s(),]+)$/.exec(text);
  if (exists) return { op: exists[1] ? "!exists" : "exists", key: exists[2] as string };
  throw new Error(`unable to parse requirement: ${JSON.stringify(text)}`);
}

export type LabelSelector = (labels: Record<string, string>) => boolean;

/** Parses "k=v,k2!=v2,k3 in (a,b),k4 notin (c),k5,!k6"; throws on anything else. */
export function parseLabelSelector(text: string): LabelSelector {
  const requirements = splitTopLevel(text).map(parseRequirement);
  return (labels) =>
    requirements.every((req) => {
      const value = labels[req.key];
      switch (req.op) {
        case "=":
          return value === req.value;
        case "!=":
          return value !== req.value;
        case "in":
          return value !== undefined && req.values.includes(value);
        case "notin":
          return value === undefined || !req.values.includes(value);
        case "exists":
          return value !== undefined;
        default:
          return value === undefined;
      }
    });
}
