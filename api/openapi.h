// GET /openapi.json: the OpenAPI 3.1 document of the whole HTTP API.
//
// The document is api/openapi.json, embedded in the binary at build time
// (CMake generates a source file holding it), so the server needs no files
// at run time and always serves the document of the code it runs. Tests
// hold the two together: every route the router knows is in the document
// and the reverse (tests/openapi_test.cpp), and an established third-party
// validator checks the document (tests/openapi/, run by ctest).
#pragma once

#include <string_view>

#include "api/router.h"

namespace starlog::api {

// The document's bytes (UTF-8 JSON), as in api/openapi.json.
std::string_view openapi_document();

// Registers GET /openapi.json (strong ETag, If-None-Match -> 304).
void add_openapi_route(Router& router);

}  // namespace starlog::api
