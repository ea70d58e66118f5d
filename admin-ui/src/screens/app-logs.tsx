import { useEffect, useRef, useState } from "preact/hooks";
import { seg } from "../api.ts";
import type { AppTabProps } from "../app/app-tabs.ts";
import { time } from "../format.ts";
import type { LogLevel, LogLine } from "../types.ts";
import { Icon } from "../ui/icons.tsx";
import { Card, Empty, scrollable } from "../ui/kit.tsx";

const LEVELS: LogLevel[] = ["debug", "info", "warn", "error"];
const KEEP = 1000;

/**
 * The app's log, live over server-sent events (the stream resumes from the
 * last id after a drop). Pause holds new lines aside rather than losing them.
 */
export function LogsTab({ app }: AppTabProps) {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [held, setHeld] = useState<LogLine[]>([]);
  const [live, setLive] = useState(false);
  const [paused, setPaused] = useState(false);
  const [min, setMin] = useState<LogLevel>("debug");
  const [search, setSearch] = useState("");
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const box = useRef<HTMLDivElement>(null);
  const stick = useRef(true);

  useEffect(() => {
    const es = new EventSource(`/api/apps/${seg(app.name)}/logs/stream?limit=200`);
    es.onopen = () => setLive(true);
    es.onerror = () => setLive(es.readyState === EventSource.OPEN);
    es.onmessage = (e) => {
      const line = JSON.parse(e.data) as LogLine;
      if (pausedRef.current) setHeld((h) => [...h, line].slice(-KEEP));
      else setLines((l) => [...l, line].slice(-KEEP));
    };
    return () => es.close();
  }, [app.name]);

  useEffect(() => {
    const el = box.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [lines]);

  const resume = () => {
    setLines((l) => [...l, ...held].slice(-KEEP));
    setHeld([]);
    setPaused(false);
  };

  const floor = LEVELS.indexOf(min);
  const needle = search.trim().toLowerCase();
  const shown = lines.filter(
    (l) => LEVELS.indexOf(l.level) >= floor && (!needle || l.message.toLowerCase().includes(needle)),
  );

  return (
    <Card
      title="Logs"
      actions={
        <span class="row-wrap muted" role="status">
          <span class={live && !paused ? "live-dot" : "live-dot off"} aria-hidden="true" />
          {paused ? `paused${held.length ? ` · ${held.length} new` : ""}` : live ? "live" : "connecting"}
        </span>
      }
    >
      <div class="inline-form">
        <div class="field">
          <label for="log-search">Search</label>
          <input
            id="log-search"
            type="search"
            value={search}
            placeholder="Text in the message"
            onInput={(e) => setSearch(e.currentTarget.value)}
          />
        </div>
        <div class="field log-level">
          <label for="log-level">Level</label>
          <select id="log-level" value={min} onChange={(e) => setMin(e.currentTarget.value as LogLevel)}>
            <option value="debug">All</option>
            <option value="info">Info and up</option>
            <option value="warn">Warnings and errors</option>
            <option value="error">Errors</option>
          </select>
        </div>
        <button
          type="button"
          class="btn"
          onClick={() => (paused ? resume() : setPaused(true))}
          aria-pressed={paused}
        >
          <Icon name={paused ? "play" : "pause"} />
          {paused ? "Resume" : "Pause"}
        </button>
        <button
          type="button"
          class="btn"
          onClick={() => {
            setLines([]);
            setHeld([]);
          }}
        >
          Clear
        </button>
      </div>
      {shown.length === 0 ? (
        <Empty title={lines.length ? "No line matches" : "No log lines yet"}>
          {lines.length
            ? "Change the search or the level."
            : "console.log in the app's api/ code shows up here as it happens."}
        </Empty>
      ) : (
        <div
          class="log-box"
          ref={box}
          {...scrollable("Log lines")}
          onScroll={(e) => {
            const el = e.currentTarget;
            stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
          }}
        >
          <ol class="log">
            {shown.map((l) => (
              <li key={l.id} data-level={l.level}>
                <span class="muted">{time(l.createdAt)}</span>
                <span class={`lvl lvl-${l.level}`}>{l.level}</span>
                <span class="msg">{l.message}</span>
              </li>
            ))}
          </ol>
        </div>
      )}
    </Card>
  );
}
