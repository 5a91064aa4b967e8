// What a prediction (ui/predict.js) and an exercise (ui/exercise.js) share: the lesson they belong
// to, their frame on the page, the veil over the results a guess must come before, and the line
// that tells the learner how far they are.
//
//   progressLine(document.getElementById('progress'))   // "Your answers: 2 of 5, 1 right"
import { el, clear } from '../render/dom.js';
import { onChange, summary } from './progress.js';

/** The lesson of this page (<body data-lesson>, from the page's name). */
export function lessonId() { return document.body.getAttribute('data-lesson') || location.pathname.replace(/^.*\/|\.html$/g, ''); }

/**
 * Clears `container` and builds a moment's frame: a labelled group with its kind and question.
 * @param {HTMLElement} container
 * @param {{ id: string, kind: string, label: string, title: string }} o
 */
export function frame(container, o) {
  clear(container);
  container.classList.add('act', `act-${o.kind}`);
  container.setAttribute('role', 'group');
  // lock=all (ui/embed.js) locks a moment as a whole, since its controls are made and remade later
  container.setAttribute('data-lockable', '');
  // the moment's id, by which its veils are found (data-veiled-by; ui/embed.js lifts them)
  container.setAttribute('data-moment', o.id);
  const headId = `${container.id || o.id}-q`;
  container.setAttribute('aria-labelledby', headId);
  container.appendChild(el('p', { class: 'act-question', id: headId }, [el('span', { class: 'act-kind', text: `${o.label}: ` }), o.title]));
  return container;
}

/**
 * Blurs the results a guess must come before (each selector's element) until `lift` is called; a
 * note says why. The elements stay in the page and usable (a learner may look anyway: the veil asks,
 * it does not lock).
 * @param {string[]} selectors
 * @param {string} by  the moment's id
 */
export function veil(selectors, by) {
  const nodes = selectors.map((s) => document.querySelector(s)).filter((n) => n instanceof HTMLElement);
  nodes.forEach((n) => {
    n.classList.add('veiled');
    n.setAttribute('data-veiled-by', veiledBy(n).concat(by).join(' '));
  });
  return () => nodes.forEach((n) => unveilOne(n, by));
}

/** The moments that veil `n`. @param {Element} n */
const veiledBy = (n) => (n.getAttribute('data-veiled-by') || '').split(' ').filter(Boolean);

/** Several moments may guard one result: it shows once each of them is answered. @param {Element} n @param {string} by */
function unveilOne(n, by) {
  const left = veiledBy(n).filter((x) => x !== by);
  if (left.length) { n.setAttribute('data-veiled-by', left.join(' ')); return; }
  n.classList.remove('veiled');
  n.removeAttribute('data-veiled-by');
}

/**
 * Lifts every veil of the moment `by`, wherever it is: for a moment the learner cannot answer
 * (hidden or locked by an embedding link, ui/embed.js), whose results would stay blurred for good.
 * @param {string} by  the moment's id (its frame's data-moment)
 */
export function unveil(by) {
  document.querySelectorAll('[data-veiled-by]').forEach((n) => { if (veiledBy(n).indexOf(by) >= 0) unveilOne(n, by); });
}

/**
 * Keeps `box` saying how far the learner is in this lesson ("Your answers: 2 of 5 · 1 right").
 * @param {HTMLElement | null} box
 */
export function progressLine(box) {
  if (!box) return;
  const lesson = lessonId();
  const show = () => {
    const s = summary(lesson);
    clear(box);
    box.hidden = s.items === 0;
    box.appendChild(el('span', { class: 'label', text: 'Your answers: ' }));
    box.appendChild(document.createTextNode(`${s.answered + s.skipped} of ${s.items} done, ${s.correct} right` +
      (s.skipped ? `, ${s.skipped} skipped` : '') + (s.complete ? '. Lesson complete.' : '.')));
  };
  onChange((s) => { if (s.lesson === lesson) show(); });
  show();
  // Items register as the page sets up, after this line may be made.
  setTimeout(show, 0);
  return show;
}
