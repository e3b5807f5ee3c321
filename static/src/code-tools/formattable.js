// Which languages the Format button formats: first-load code (the button's state), kept apart from format.js.

const FORMATTED = ["python", "javascript", "typescript"];

/** Why Format does nothing in other languages (the button's title and its toast). */
export const ONLY_FORMATTED = "Formatting is for Python, JavaScript and TypeScript";

/** Whether Format formats language `languageId`. */
export const canFormat = (languageId) => FORMATTED.includes(languageId);
