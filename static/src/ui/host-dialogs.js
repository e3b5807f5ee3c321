// Small modal questions for hosts (title, problem, ending), built on <dialog> like the name dialog.

/**
 * Asks one question; resolves with the answer (the field's value, or true with no field), or null when
 * cancelled. `field`: null, {kind: "text", label, value, maxLength} or {kind: "select", label, options: [{value, label}]}.
 */
export function ask({ title, hint = "", field = null, confirm = "OK", danger = false }) {
  const dialog = document.createElement("dialog");
  dialog.className = "name-dialog host-dialog";
  const form = document.createElement("form");
  form.method = "dialog";
  form.className = "name-form";
  const heading = document.createElement("h2");
  heading.className = "name-title";
  heading.id = `host-dialog-${Math.random().toString(36).slice(2)}`;
  heading.textContent = title;
  dialog.setAttribute("aria-labelledby", heading.id);
  form.append(heading);
  if (hint) {
    const text = document.createElement("p");
    text.className = "name-hint";
    text.textContent = hint;
    form.append(text);
  }
  let input = null;
  if (field) {
    const label = document.createElement("label");
    label.className = "name-label";
    label.textContent = field.label;
    input = document.createElement(field.kind === "select" ? "select" : "input");
    input.className = "name-input";
    if (field.kind === "select") {
      for (const option of field.options) input.append(new Option(option.label, option.value));
    } else {
      Object.assign(input, { type: "text", value: field.value ?? "", maxLength: field.maxLength ?? 100, spellcheck: false });
    }
    label.append(input);
    form.append(label);
  }
  const actions = document.createElement("div");
  actions.className = "name-actions";
  const cancel = document.createElement("button");
  cancel.type = "button";
  cancel.className = "button button-quiet";
  cancel.textContent = "Cancel";
  const submit = document.createElement("button");
  submit.type = "submit";
  submit.className = danger ? "button button-danger" : "button button-primary";
  submit.textContent = confirm;
  actions.append(cancel, submit);
  form.append(actions);
  dialog.append(form);
  document.body.append(dialog);
  return new Promise((resolve) => {
    let answer = null;
    cancel.addEventListener("click", () => dialog.close());
    form.addEventListener("submit", () => {
      answer = input ? input.value : true;
    });
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(answer);
    });
    dialog.showModal();
    (input ?? submit).focus();
    if (input instanceof HTMLInputElement) input.select();
  });
}
