// JavaScript highlighting, loaded on demand (only sessions that switch to JavaScript need it).
export { javascript as support } from "@codemirror/lang-javascript";
