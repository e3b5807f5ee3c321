// Three-way merge of the hosts' private notes (plain text) that never loses what anyone typed.
// Pure: no DOM, so Node tests import it. Positions are UTF-16 units; a splice never splits a surrogate pair.

const isHigh = (code) => code >= 0xd800 && code <= 0xdbff;
const isLow = (code) => code >= 0xdc00 && code <= 0xdfff;

/**
 * The change from `before` to `after` as one splice {from, to, insert}: `before.slice(from, to)` became
 * `insert` (the common prefix and suffix are kept), with no end inside a surrogate pair.
 */
export function spliceOf(before, after) {
  const limit = Math.min(before.length, after.length);
  let prefix = 0;
  while (prefix < limit && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix += 1;
  if (prefix > 0 && isHigh(before.charCodeAt(prefix - 1)) && (prefix < before.length || prefix < after.length)) prefix -= 1;
  let suffix = 0;
  while (suffix < limit - prefix
         && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix += 1;
  if (suffix > 0 && isLow(before.charCodeAt(before.length - suffix))) suffix -= 1;
  return { from: prefix, to: before.length - suffix, insert: after.slice(prefix, after.length - suffix) };
}

/** Where `position` (in the text before `splice`) is afterwards; positions inside a replaced range go to its end. */
export function mapPosition(splice, position) {
  if (position <= splice.from) return position;
  if (position >= splice.to) return position + splice.insert.length - (splice.to - splice.from);
  return splice.from + splice.insert.length;
}

/**
 * Merges `mine` and `theirs`, both edited from `base`. Edits in separate places both apply; overlapping ones
 * keep `theirs` and add what I inserted right after their change, so both people's typing survives.
 */
export function mergeNotes(base, mine, theirs) {
  if (mine === base || mine === theirs) return theirs;
  if (theirs === base) return mine;
  const a = spliceOf(base, mine);
  const b = spliceOf(base, theirs);
  const bothInsertHere = a.from === a.to && b.from === b.to && a.from === b.from;
  if (!bothInsertHere && a.to <= b.from) {
    return base.slice(0, a.from) + a.insert + base.slice(a.to, b.from) + b.insert + base.slice(b.to);
  }
  if (!bothInsertHere && b.to <= a.from) {
    return base.slice(0, b.from) + b.insert + base.slice(b.to, a.from) + a.insert + base.slice(a.to);
  }
  const at = b.from + b.insert.length;
  return theirs.slice(0, at) + a.insert + theirs.slice(at);
}
