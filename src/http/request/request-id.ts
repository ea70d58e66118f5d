import { randomToken } from "../../core/index.ts";

const ACCEPTABLE = /^[A-Za-z0-9._-]{1,64}$/;
// A random prefix per process and a counter: unique, cheap on the hot path, and
// ordered within one run, which makes logs easy to follow.
const PREFIX = randomToken(5);
let counter = 0;

/**
 * The request's id: a well-formed `X-Request-Id` from the client (or a proxy
 * in front) is kept so traces line up; anything else is replaced.
 */
export function requestIdOf(req: Request): string {
  const given = req.headers.get("x-request-id");
  return given && ACCEPTABLE.test(given) ? given : `${PREFIX}${(++counter).toString(36)}`;
}
