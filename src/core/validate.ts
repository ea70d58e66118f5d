import * as v from "valibot";
import { FaztError } from "./errors.ts";

/**
 * Parses external input with a valibot schema. A failure becomes a
 * VALIDATION_FAILED FaztError whose message names the field, so every
 * boundary (HTTP body, CLI flag, config value) reports bad input the same way.
 */
export function parse<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  what = "input",
): v.InferOutput<S> {
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = issue.path?.map((p) => String(p.key)).join(".");
  const where = path ? `${what}: ${path}` : what;
  throw new FaztError("VALIDATION_FAILED", `${where}: ${issue.message}`, {
    details: result.issues.map((i) => ({
      field: i.path?.map((p) => String(p.key)).join(".") || undefined,
      message: i.message,
    })),
  });
}
