// Validates the OpenAPI document with established third-party tools:
//  1. @seriousme/openapi-schema-validator: the document against the official
//     OpenAPI 3.1 JSON Schema, and every $ref resolves;
//  2. Ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1): every example in
//     the document validates against the schema it illustrates.
// Usage: node validate.mjs path/to/openapi.json   (exit 0 when valid)
import { readFileSync } from "node:fs";
import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const file = process.argv[2];
if (!file) {
  console.error("usage: node validate.mjs openapi.json");
  process.exit(2);
}
const doc = JSON.parse(readFileSync(file, "utf8"));
let failures = 0;
const fail = (msg) => {
  failures++;
  console.error("FAIL: " + msg);
};

// 1. The document itself.
const validator = new Validator();
const res = await validator.validate(structuredClone(doc));
if (!res.valid) {
  fail("not a valid OpenAPI " + (validator.version ?? "?") + " document:");
  console.error(JSON.stringify(res.errors, null, 2));
} else {
  console.log("valid OpenAPI " + validator.version + " document (@seriousme/openapi-schema-validator)");
  try {
    validator.resolveRefs();
  } catch (e) {
    fail("a $ref does not resolve: " + e.message);
  }
}

// 2. Every example against its schema.
const BASE = "https://starlog.dev/openapi.json";
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(structuredClone(doc), BASE);
const pointer = (parts) =>
  BASE + "#" + parts.map((p) => "/" + encodeURIComponent(String(p).replaceAll("~", "~0").replaceAll("/", "~1"))).join("");
const compiled = new Map();
function check(schemaPath, value, where) {
  const id = pointer(schemaPath);
  let validate = compiled.get(id);
  if (!validate) {
    validate = ajv.compile({ $ref: id });
    compiled.set(id, validate);
  }
  if (!validate(value)) fail(where + " does not match its schema: " + ajv.errorsText(validate.errors));
  else examples++;
}
let examples = 0;
function walk(node, path) {
  if (Array.isArray(node)) {
    node.forEach((v, i) => walk(v, [...path, i]));
    return;
  }
  if (!node || typeof node !== "object") return;
  const last = path[path.length - 1];
  // A Schema Object under components/schemas with JSON Schema `examples`.
  if (path.length === 3 && path[0] === "components" && path[1] === "schemas" && Array.isArray(node.examples)) {
    node.examples.forEach((v, i) => check(path, v, path.join("/") + "/examples/" + i));
  }
  // Media Type, Parameter and Header Objects: `schema` with `example` or `examples`.
  if (node.schema && typeof node.schema === "object" && last !== "properties") {
    if ("example" in node) check([...path, "schema"], node.example, path.join("/") + "/example");
    if (node.examples && typeof node.examples === "object" && !Array.isArray(node.examples)) {
      for (const [name, ex] of Object.entries(node.examples)) {
        if (ex && "value" in ex) check([...path, "schema"], ex.value, path.join("/") + "/examples/" + name);
      }
    }
  }
  for (const [k, v] of Object.entries(node)) walk(v, [...path, k]);
}
walk(doc, []);
console.log(examples + " examples match their schemas (Ajv, JSON Schema 2020-12)");

if (failures > 0) {
  console.error(failures + " problem(s) in " + file);
  process.exit(1);
}
