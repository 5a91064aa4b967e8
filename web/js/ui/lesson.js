// What every lesson page does first, and the one test hook of the site.
import { build } from '../data.js';
import { DISPLAY_LIMIT } from '../limits.js';
import { abortForTest, generations, recentRequests } from '../engine/page.js';
import { notice } from './messages.js';
import { embedUrl, startEmbed } from './embed.js';
import { lessonId } from './acts.js';
import { keepIn, onChange, summary } from './progress.js';
import { connectPlatform } from './scorm.js';
import { scrollable } from '../render/layout.js';
import { viewSources } from './stepper.js';

/**
 * Starts a lesson page: shows the state's notices (bad URL parameters) in
 * #notices and the build stamp, and applies the embedding parameters (ui/embed.js).
 * @param {import('../state.js').State} state
 */
export function start(state) {
  state.notices().forEach(notice);
  const stamp = document.getElementById('build-stamp');
  if (stamp) stamp.textContent = `v${build.version} · ${build.commit}`;
  startEmbed();
  // a formula or a printed tensor wider than a phone scrolls in its box, by keyboard too
  document.querySelectorAll('.formula, pre.book-print').forEach((box) => {
    if (box instanceof HTMLElement) scrollable(box, box.classList.contains('formula') ? 'formula' : 'printed output');
  });
  exposeTestHook();
  reportToPlatform();
}

/**
 * In a SCORM package on a course platform: the lesson's progress lives in the platform and becomes
 * its status and score (ui/scorm.js). Before the page registers its items and reads its progress.
 */
function reportToPlatform() {
  const lesson = lessonId();
  connectPlatform({
    lesson,
    keepIn,
    summary: () => summary(lesson),
    onChange: (fn) => onChange((s) => { if (s.lesson === lesson) fn(s); }),
  });
}

/**
 * window.AttnTest: what the browser tests (tests/web) read of a page beyond its DOM, and nothing
 * else: the requests sent to the core (to replay a view), how many modules the page created, a way
 * to make the core abort as a C++ bug would, the display limit, the embed address of the view, and
 * the requests and answers the stepper's PyTorch program is written from.
 * It is the only global a bundle makes; it changes nothing the learner sees.
 */
function exposeTestHook() {
  window.AttnTest = Object.freeze({ recentRequests, generation: generations, abortForTest, DISPLAY_LIMIT, embedUrl, viewSources });
}
