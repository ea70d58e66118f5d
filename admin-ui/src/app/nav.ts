/**
 * What the sidebar lists and which screens an app has. Later screens (Realtime,
 * Jobs and cron, Analytics, Domains, Network) are one entry each here plus
 * their screen file: nothing else in the shell needs to change.
 */
export interface NavItem {
  path: string;
  label: string;
  icon: string;
  /** Shown to the owner only (the API refuses admins anyway). */
  owner?: boolean;
  group: "instance" | "access" | "system";
}

export const NAV: NavItem[] = [
  { path: "/", label: "Overview", icon: "home", group: "instance" },
  { path: "/apps", label: "Apps", icon: "apps", group: "instance" },
  { path: "/users", label: "Users", icon: "users", group: "access" },
  { path: "/keys", label: "API keys", icon: "key", group: "access" },
  { path: "/providers", label: "Sign-in providers", icon: "login", group: "access" },
  { path: "/backups", label: "Backups", icon: "db", group: "system" },
  { path: "/settings", label: "Settings", icon: "gear", group: "system" },
  { path: "/sql", label: "SQL console", icon: "terminal", group: "system", owner: true },
  { path: "/upgrade", label: "Upgrade", icon: "up", group: "system", owner: true },
];

export const GROUPS: { id: NavItem["group"]; label: string }[] = [
  { id: "instance", label: "Instance" },
  { id: "access", label: "Access" },
  { id: "system", label: "System" },
];

/** Whether `item` is the current section (Apps stays lit on every app's pages). */
export function isActive(item: NavItem, path: string): boolean {
  return item.path === "/" ? path === "/" : path === item.path || path.startsWith(`${item.path}/`);
}
