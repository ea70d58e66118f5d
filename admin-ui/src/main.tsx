import "./style.css";
import { render } from "preact";
import { ApiError, get, messageOf, toSignIn } from "./api.ts";
import { Shell } from "./app/shell.tsx";
import { me } from "./state.ts";
import type { User } from "./types.ts";

/** Who is signed in decides everything: no session → the sign-in page; a `user` → a refusal. */
async function start(root: HTMLElement): Promise<void> {
  try {
    const { user } = await get<{ user: User }>("/api/me");
    if (user.role === "user") {
      root.innerHTML = "";
      const p = document.createElement("p");
      p.className = "boot";
      p.textContent = "This dashboard is for the owner and admins. Sign in with another account.";
      root.append(p);
      return;
    }
    me.value = user;
    root.innerHTML = "";
    render(<Shell />, root);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return toSignIn();
    const p = document.createElement("p");
    p.className = "boot";
    p.textContent = `Could not load the dashboard: ${messageOf(err)}`;
    root.replaceChildren(p);
  }
}

const root = document.getElementById("app");
if (root) void start(root);
