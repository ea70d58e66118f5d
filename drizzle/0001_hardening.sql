CREATE TABLE `auth_handoffs` (
	`code_hash` text PRIMARY KEY NOT NULL,
	`session_id` text NOT NULL,
	`host` text NOT NULL,
	`redirect` text NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`session_id`) REFERENCES `sessions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `running_servers` (
	`id` text PRIMARY KEY NOT NULL,
	`pid` integer NOT NULL,
	`hostname` text NOT NULL,
	`listen` text NOT NULL,
	`port` integer NOT NULL,
	`https` integer DEFAULT false NOT NULL,
	`started_at` integer NOT NULL,
	`seen_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `api_keys` ADD `apps` text;--> statement-breakpoint
ALTER TABLE `oauth_states` ADD `ip` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD `parent_id` text REFERENCES sessions(id) ON DELETE cascade;