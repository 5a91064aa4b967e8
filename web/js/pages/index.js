// The contents page (js/index.js): only the build stamp (the lessons do the computing).
import { build } from '../data.js';

const stamp = document.getElementById('build-stamp');
if (stamp) stamp.textContent = `v${build.version} · ${build.commit}`;
