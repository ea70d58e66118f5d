/**
 * The update half of `fazt.app.ds`: `$set`, `$unset` and `$inc` (plain keys
 * mean `$set`) on dotted paths, checked once into a plan and applied to each
 * matching document (docs/app-code.md).
 */
import { encodeJson, invalid, isPlainObject } from "./common.ts";
import { isReserved, parseField } from "./fields.ts";

type Change =
  | { op: "set"; field: string; segments: string[]; value: unknown }
  | { op: "unset"; field: string; segments: string[] }
  | { op: "inc"; field: string; segments: string[]; by: number };

const UPDATE_OPERATORS = new Set(["$set", "$unset", "$inc"]);

export function parseChanges(changes: unknown): Change[] {
  if (!isPlainObject(changes)) throw invalid("update changes must be an object");
  const out: Change[] = [];
  const seen = new Set<string>();
  const target = (field: string, op: string): string[] | undefined => {
    if (isReserved(field)) {
      if (op === "plain") return undefined; // a whole document written back: its id and times are not fields
      throw invalid(`${field} cannot be changed`, { field });
    }
    const ref = parseField(field);
    if (ref.kind !== "json") throw invalid(`${field} cannot be changed`, { field });
    if (seen.has(field)) throw invalid(`field ${JSON.stringify(field)} is changed twice`, { field });
    seen.add(field);
    return ref.segments;
  };
  for (const [key, value] of Object.entries(changes)) {
    if (key.startsWith("$")) {
      if (!UPDATE_OPERATORS.has(key)) throw invalid(`unknown update operator ${JSON.stringify(key)}`);
      if (!isPlainObject(value)) throw invalid(`${key} needs an object of fields`);
      for (const [field, operand] of Object.entries(value)) {
        const segments = target(field, key)!;
        if (key === "$unset") out.push({ op: "unset", field, segments });
        else if (key === "$inc") {
          if (typeof operand !== "number" || !Number.isFinite(operand)) {
            throw invalid(`$inc of ${JSON.stringify(field)} needs a number`, { field });
          }
          out.push({ op: "inc", field, segments, by: operand });
        } else if (operand !== undefined) {
          encodeJson(operand, `value of ${JSON.stringify(field)}`);
          out.push({ op: "set", field, segments, value: operand });
        }
      }
    } else {
      const segments = target(key, "plain");
      if (!segments || value === undefined) continue;
      encodeJson(value, `value of ${JSON.stringify(key)}`);
      out.push({ op: "set", field: key, segments, value });
    }
  }
  return out;
}

type Container = Record<string, unknown> | unknown[];
const isIndex = (s: string) => /^[0-9]+$/.test(s);

function read(c: Container, key: string): unknown {
  if (Array.isArray(c)) return isIndex(key) ? c[Number(key)] : undefined;
  return Object.hasOwn(c, key) ? c[key] : undefined;
}

function write(c: Container, key: string, value: unknown, field: string): void {
  if (Array.isArray(c)) {
    if (!isIndex(key)) throw invalid(`cannot set ${JSON.stringify(field)}: ${key} is not an array index`);
    const i = Number(key);
    if (i > c.length)
      throw invalid(`cannot set ${JSON.stringify(field)}: index ${i} is past the array's end`);
    c[i] = value;
  } else {
    // defineProperty, not assignment: a field called __proto__ stays a plain field.
    Object.defineProperty(c, key, { value, writable: true, enumerable: true, configurable: true });
  }
}

/** The container holding the last segment, creating missing objects on the way when `create`. */
function parentOf(doc: Record<string, unknown>, segments: string[], field: string, create: boolean) {
  let c: Container = doc;
  for (const s of segments.slice(0, -1)) {
    let next = read(c, s);
    if (next === undefined || next === null) {
      if (!create) return undefined;
      next = {};
      write(c, s, next, field);
    } else if (typeof next !== "object") {
      throw invalid(`cannot change ${JSON.stringify(field)}: ${JSON.stringify(s)} holds a ${typeof next}`, {
        field,
      });
    }
    c = next as Container;
  }
  return c;
}

export function applyChanges(doc: Record<string, unknown>, plan: Change[]): Record<string, unknown> {
  for (const change of plan) {
    const last = change.segments[change.segments.length - 1]!;
    if (change.op === "unset") {
      const parent = parentOf(doc, change.segments, change.field, false);
      if (parent === undefined) continue;
      if (Array.isArray(parent)) {
        if (isIndex(last) && Number(last) < parent.length) parent[Number(last)] = null;
      } else if (Object.hasOwn(parent, last)) delete parent[last];
      continue;
    }
    const parent = parentOf(doc, change.segments, change.field, true)!;
    if (change.op === "set") write(parent, last, structuredClone(change.value), change.field);
    else {
      const current = read(parent, last) ?? 0;
      if (typeof current !== "number") {
        throw invalid(`cannot $inc ${JSON.stringify(change.field)}: it holds a ${typeof current}`, {
          field: change.field,
        });
      }
      const next = current + change.by;
      if (!Number.isFinite(next)) throw invalid(`$inc of ${JSON.stringify(change.field)} overflows`);
      write(parent, last, next, change.field);
    }
  }
  return doc;
}
