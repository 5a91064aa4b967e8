// The TensorFlow.js side of the training comparison, bundled by bench/train.mjs with esbuild:
// @tensorflow/tfjs-core itself (tf-core.min.js ships without the gradient registry), every
// gradient registered, the wasm backend, and our peer model (tfjs_gpt.js).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createTfjsGpt } from './tfjs_gpt.js';

window.tfTrain = { tf, setWasmPaths, createTfjsGpt };
