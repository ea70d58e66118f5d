/** Running an instance: first-run set-up (service, upgrade and backups come with the operations issue). */
export { type InitResult, initInstance } from "./init.ts";
