// Attention Lab host script (optional): include it once in a page that embeds lessons in iframes,
// from the same copy of the site as the lessons (the path relative to the host page), for example
//   <script src="attention-lab/embed/attention-lab-embed.js" defer></script>
// and every embedded lesson's frame takes the height of the lesson, so it shows no scroll bar of its own.
// An embedded lesson (embed=1) posts { type: 'attention-lab:height', height } to its parent whenever
// its height changes. This script only resizes the iframe whose window sent the message (matched by
// event.source, which works for sandboxed frames too, whose origin is "null"), only with a sane number,
// and sends nothing back: the lessons accept no commands. Plain JavaScript, no dependencies.
(function () {
  'use strict';
  var TYPE = 'attention-lab:height';
  var MIN = 100, MAX = 20000;  // px: a frame never collapses or grows without bound on a bad message

  function frameOf(source) {
    var frames = document.getElementsByTagName('iframe');
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === source) return frames[i];
    }
    return null;
  }

  window.addEventListener('message', function (event) {
    var data = event.data;
    if (!data || typeof data !== 'object' || data.type !== TYPE) return;
    var height = Number(data.height);
    if (!isFinite(height)) return;
    var frame = frameOf(event.source);
    if (!frame) return;
    frame.style.height = Math.round(Math.min(MAX, Math.max(MIN, height))) + 'px';
    frame.setAttribute('data-attention-lab-height', String(Math.round(height)));
  });
})();
