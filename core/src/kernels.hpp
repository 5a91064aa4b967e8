#pragma once
// Private to the core: the float32 kernels under matmul, matmul_transposed and the fused attention.
//
// One 4-lane vector type with a handful of operations, in three spellings: WebAssembly SIMD128
// intrinsics (em++ -msimd128), GNU vector extensions (g++ and clang natively), and plain loops.
// Every kernel adds its products in the order p = 0, 1, …, k−1 into one accumulator per output
// entry, with no fused multiply-add, so native and wasm round identically, and gemm identically
// to the simple i-p-j loop the core started with. gemm_strassen (the fused path's large
// projections only) adds in another order: the same on both, a few times gemm's rounding.
//
// By concept: kernels/simd.hpp (the vector type), kernels/exp2.hpp (2ˣ of the online softmax),
// kernels/gemm.hpp (the blocked product), kernels/strassen.hpp (Strassen's steps over it).

#include "kernels/exp2.hpp"
#include "kernels/gemm.hpp"
#include "kernels/simd.hpp"
#include "kernels/strassen.hpp"
