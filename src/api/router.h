#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/http_types.h"

namespace kalam::api {

// Maps (method, exact path) to a handler. Unknown paths get a 404 error envelope, known
// paths with another method a 405 with an Allow header. Routes are added before the
// server starts; Dispatch is then thread-safe (read-only).
class Router {
 public:
  void Add(std::string method, std::string path, Handler handler);
  void Dispatch(HttpRequest&& request, Responder respond) const;

 private:
  struct Route {
    std::string method;
    std::string path;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace kalam::api
