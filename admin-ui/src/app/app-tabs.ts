import type { FunctionComponent } from "preact";
import { EnvTab } from "../screens/app-env.tsx";
import { FilesTab } from "../screens/app-files.tsx";
import { LogsTab } from "../screens/app-logs.tsx";
import { StorageTab } from "../screens/app-storage.tsx";
import { VersionsTab } from "../screens/app-versions.tsx";
import type { App } from "../types.ts";

export interface AppTabProps {
  app: App;
  /** Re-reads the app (after a rollback, say). */
  reload: () => void;
}

/**
 * The screens of one app, in tab order. Realtime, Jobs and cron, Analytics,
 * Domains and Network join here as they are built.
 */
export const APP_TABS: { id: string; label: string; screen: FunctionComponent<AppTabProps> }[] = [
  { id: "versions", label: "Versions", screen: VersionsTab },
  { id: "files", label: "Files", screen: FilesTab },
  { id: "logs", label: "Logs", screen: LogsTab },
  { id: "env", label: "Env", screen: EnvTab },
  { id: "storage", label: "Storage", screen: StorageTab },
];
