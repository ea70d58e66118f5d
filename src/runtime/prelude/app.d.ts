/** A part of the prelude, imported as text (`with { type: "text" }`) and evaluated inside each sandbox. */
declare const source: string;
export default source;
