// The contents page: only the build stamp (the lessons do the computing).
(function () {
  'use strict';
  var stamp = document.getElementById('build-stamp');
  if (stamp && typeof AttnBuild !== 'undefined') stamp.textContent = 'v' + AttnBuild.version + ' · ' + AttnBuild.commit;
})();
