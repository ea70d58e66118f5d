import type { FunctionComponent } from "preact";
import { AppScreen } from "../screens/app.tsx";
import { AppsScreen } from "../screens/apps.tsx";
import { BackupsScreen } from "../screens/backups.tsx";
import { KeysScreen } from "../screens/keys.tsx";
import { OverviewScreen } from "../screens/overview.tsx";
import { ProvidersScreen } from "../screens/providers.tsx";
import { SettingsScreen } from "../screens/settings.tsx";
import { SqlScreen } from "../screens/sql.tsx";
import { UpgradeScreen } from "../screens/upgrade.tsx";
import { UsersScreen } from "../screens/users.tsx";

// biome-ignore lint/suspicious/noExplicitAny: each screen takes its own route parameters
type Screen = FunctionComponent<any>;

/** Path patterns to screens; the first match wins. */
export const ROUTES: { pattern: string; screen: Screen; title: string }[] = [
  { pattern: "/", screen: OverviewScreen, title: "Overview" },
  { pattern: "/apps", screen: AppsScreen, title: "Apps" },
  { pattern: "/apps/:name", screen: AppScreen, title: "App" },
  { pattern: "/apps/:name/:tab", screen: AppScreen, title: "App" },
  { pattern: "/users", screen: UsersScreen, title: "Users" },
  { pattern: "/keys", screen: KeysScreen, title: "API keys" },
  { pattern: "/providers", screen: ProvidersScreen, title: "Sign-in providers" },
  { pattern: "/backups", screen: BackupsScreen, title: "Backups" },
  { pattern: "/settings", screen: SettingsScreen, title: "Settings" },
  { pattern: "/sql", screen: SqlScreen, title: "SQL console" },
  { pattern: "/upgrade", screen: UpgradeScreen, title: "Upgrade" },
];
