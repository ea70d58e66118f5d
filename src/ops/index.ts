/** Running an instance: first-run set-up, and where a running server listens. */
export { type InitResult, initInstance } from "./init.ts";
export {
  findRunningServer,
  localAdminUrl,
  type RunningServer,
  recordRunningServer,
  type ServerRecord,
  staleReason,
} from "./running.ts";
