// TypeScript highlighting, loaded on demand (the JavaScript grammar in its TypeScript dialect).
import { javascript } from "@codemirror/lang-javascript";

/** The editor's language extension for TypeScript. */
export const support = () => javascript({ typescript: true });
