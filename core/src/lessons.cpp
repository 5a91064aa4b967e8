#include "attn/lessons.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "attn/softmax.hpp"

namespace attn {

std::vector<std::string> tokenize(const std::string& text) {
  std::vector<std::string> tokens;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) tokens.push_back(word);
    word.clear();
  };
  for (unsigned char c : text) {
    if (c >= 0x80 || std::isalnum(c)) {
      word += static_cast<char>(c);  // letters, digits and every byte of a non-ASCII character
    } else if (std::isgraph(c)) {
      flush();
      tokens.emplace_back(1, static_cast<char>(c));  // punctuation stands alone
    } else {
      flush();  // whitespace and control characters separate
    }
  }
  flush();
  return tokens;
}

Matrix embed_tokens(const std::vector<std::string>& tokens, std::size_t d_in, std::uint64_t seed) {
  Matrix embeddings = xt::zeros<float>({tokens.size(), d_in});
  for (std::size_t t = 0; t < tokens.size(); ++t) {
    Rng rng(seed ^ fnv1a64(tokens[t]), Stream::embeddings);
    for (std::size_t j = 0; j < d_in; ++j) embeddings(t, j) = rng.uniform();
  }
  return embeddings;
}

RnnWeights draw_rnn(Rng& rng, std::size_t d_in, std::size_t d_hidden) {
  const float bound = linear_bound(d_hidden);
  return {uniform_matrix(rng, d_in, d_hidden, -bound, bound), uniform_matrix(rng, d_hidden, d_hidden, -bound, bound),
          uniform_vector(rng, d_hidden, -bound, bound)};
}

Matrix rnn_encoder(const Matrix& inputs, const RnnWeights& weights) {
  const std::size_t T = inputs.shape(0), d_in = inputs.shape(1), d_hidden = weights.b_h.size();
  Matrix hidden_states = xt::zeros<float>({T, d_hidden});
  Vector h = xt::zeros<float>({d_hidden});  // h_0 = 0
  for (std::size_t t = 0; t < T; ++t) {
    Vector next = weights.b_h;
    for (std::size_t j = 0; j < d_hidden; ++j) {
      for (std::size_t i = 0; i < d_in; ++i) next(j) += inputs(t, i) * weights.W_xh(i, j);
      for (std::size_t i = 0; i < d_hidden; ++i) next(j) += h(i) * weights.W_hh(i, j);
      next(j) = std::tanh(next(j));  // h_t = tanh(x_t·W_xh + h_{t−1}·W_hh + b_h)
    }
    h = next;
    for (std::size_t j = 0; j < d_hidden; ++j) hidden_states(t, j) = h(j);
  }
  return hidden_states;
}

Vector state_distance(const Matrix& a, const Matrix& b) {
  const std::size_t T = a.shape(0), d = a.shape(1);
  Vector distance = xt::zeros<float>({T});
  for (std::size_t t = 0; t < T; ++t) {
    double squares = 0.0;  // in double: the sum of d squares, d up to 1024
    for (std::size_t j = 0; j < d; ++j) {
      const double diff = double(a(t, j)) - double(b(t, j));
      squares += diff * diff;
    }
    distance(t) = static_cast<float>(std::sqrt(squares));  // ‖a_t − b_t‖
  }
  return distance;
}

namespace {

/// One query (1, d_k) against T keys (T, d_k), entries standard normal: scores (1, T).
Matrix random_scores(Rng& rng, std::size_t d_k, std::size_t T) {
  Matrix scores = xt::zeros<float>({std::size_t{1}, T});
  std::vector<float> query(d_k);
  for (auto& q : query) q = rng.normal();
  for (std::size_t j = 0; j < T; ++j) {
    float dot = 0.0f;
    for (std::size_t i = 0; i < d_k; ++i) dot += query[i] * rng.normal();
    scores(0, j) = dot;
  }
  return scores;
}

float std_dev(const std::vector<float>& xs) {
  double mean = 0.0, square = 0.0;
  for (float x : xs) mean += x;
  mean /= xs.size();
  for (float x : xs) square += (x - mean) * (x - mean);
  return static_cast<float>(std::sqrt(square / xs.size()));
}

}  // namespace

std::vector<ScalingPoint> scaling_curve(const std::vector<std::size_t>& d_k_values, std::size_t T,
                                        std::size_t trials, std::uint64_t seed) {
  std::vector<ScalingPoint> curve;
  for (std::size_t d_k : d_k_values) {
    Rng rng(seed ^ (d_k * 0x9E3779B97F4A7C15ull), Stream::demo);
    const float scale = 1.0f / std::sqrt(static_cast<float>(d_k));
    std::vector<float> scores, scores_scaled;
    double max_weight = 0.0, max_weight_scaled = 0.0;
    for (std::size_t trial = 0; trial < trials; ++trial) {
      Matrix attn_scores = random_scores(rng, d_k, T);         // (1, T)  q·k
      Matrix attn_scores_scaled = attn_scores * scale;         // (1, T)  q·k / √d_k
      Matrix weights = softmax_rows(attn_scores);
      Matrix weights_scaled = softmax_rows(attn_scores_scaled);
      max_weight += *std::max_element(weights.begin(), weights.end());
      max_weight_scaled += *std::max_element(weights_scaled.begin(), weights_scaled.end());
      scores.insert(scores.end(), attn_scores.begin(), attn_scores.end());
      scores_scaled.insert(scores_scaled.end(), attn_scores_scaled.begin(), attn_scores_scaled.end());
    }
    curve.push_back({d_k, std_dev(scores), std_dev(scores_scaled), static_cast<float>(max_weight / trials),
                     static_cast<float>(max_weight_scaled / trials)});
  }
  return curve;
}

Matrix scaling_example_scores(std::size_t d_k, std::size_t T, std::uint64_t seed) {
  Rng rng(seed ^ (d_k * 0x9E3779B97F4A7C15ull), Stream::demo);
  return random_scores(rng, d_k, T);
}

ScalingExample scaling_example(std::size_t d_k, std::size_t T, std::uint64_t seed) {
  const Matrix attn_scores = scaling_example_scores(d_k, T, seed);                      // (1, T)  q·k
  const Matrix attn_scores_scaled = attn_scores * (1.0f / std::sqrt(float(d_k)));       // (1, T)  q·k / √d_k
  return {row(attn_scores, 0), row(softmax_rows(attn_scores), 0), row(softmax_rows(attn_scores_scaled), 0)};
}

}  // namespace attn
