// attention: answers one request of the JSON contract (docs/api.md) from stdin or a file.
// It calls the same handler as the WebAssembly module. Exit status 1 means an error response.

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>

#include "attn/api.hpp"

int main(int argc, char** argv) {
  if (argc > 2 || (argc == 2 && (std::string(argv[1]) == "-h" || std::string(argv[1]) == "--help"))) {
    std::cerr << "usage: attention [request.json]   (reads stdin when no file is given; see docs/api.md)\n";
    return 2;
  }
  std::ostringstream request;
  if (argc == 2 && std::string(argv[1]) != "-") {
    std::ifstream file(argv[1], std::ios::binary);
    if (!file) {
      std::cerr << "attention: cannot read " << argv[1] << "\n";
      return 2;
    }
    request << file.rdbuf();
  } else {
    request << std::cin.rdbuf();
  }
  const std::string response = attn::api::handle_request(request.str());
  std::cout << response << "\n";
  return attn::api::is_error_response(response) ? 1 : 0;
}
