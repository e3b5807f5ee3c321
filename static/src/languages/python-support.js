// Python highlighting, loaded on demand (the editor is usable before it arrives).
export { python as support } from "@codemirror/lang-python";
