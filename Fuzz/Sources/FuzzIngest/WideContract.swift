import InletCore

extension FuzzIngest {
    /// A contract that uses every keyword the compiler supports, one property per family,
    /// so that fuzzed events reach each part of the evaluator.
    static let wideContract: Contract = {
        do {
            return try Contract(schemaText: wideSchemaText)
        } catch {
            fatalError("the fuzz contract does not compile: \(error)")
        }
    }()

    static let wideSchemaText = #"""
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "$id": "inlet:fuzz-wide-contract:v1",
          "type": "object",
          "required": ["Id"],
          "properties": {
            "Id": { "type": "string", "minLength": 1, "maxLength": 256, "pattern": "\\S" },
            "type": { "type": ["integer", "string", "null", "boolean"] },
            "const": { "const": { "a": [1, 2.0, "x", null, true] } },
            "enum": { "enum": [1, "two", null, [3], { "four": 4 }, 1e400] },
            "number": { "type": "number", "minimum": -1e6, "maximum": 1e21, "exclusiveMinimum": -1000001, "multipleOf": 0.01 },
            "integer": { "type": "integer", "exclusiveMaximum": 9007199254740993, "multipleOf": 3 },
            "string": { "type": "string", "minLength": 2, "maxLength": 40, "pattern": "^[a-z]+(-[0-9]{2,4})?$" },
            "prefix": { "type": "string", "pattern": "^evt-" },
            "format": { "anyOf": [{ "format": "date-time" }, { "format": "uuid" }, { "format": "email" }] },
            "array": {
              "type": "array", "prefixItems": [{ "type": "string" }], "items": { "type": "integer" },
              "minItems": 1, "maxItems": 20, "uniqueItems": true,
              "contains": { "const": 5 }, "minContains": 1, "maxContains": 2
            },
            "object": {
              "type": "object", "minProperties": 1, "maxProperties": 5,
              "propertyNames": { "pattern": "^[a-z]" },
              "patternProperties": { "^x-": { "type": "string" } },
              "additionalProperties": { "type": "number" },
              "dependentRequired": { "a": ["b"] },
              "dependentSchemas": { "c": { "required": ["d"] } }
            },
            "closed": { "type": "object", "properties": { "k": true }, "additionalProperties": false },
            "logic": { "oneOf": [{ "type": "string" }, { "type": "number" }], "not": { "const": 0 } },
            "cond": { "if": { "type": "string" }, "then": { "format": "date-time" }, "else": { "$ref": "#/$defs/positive" } },
            "all": { "allOf": [{ "$ref": "#/$defs/positive" }, { "maximum": 100 }] },
            "tree": { "$ref": "#/$defs/node" },
            "never": false
          },
          "$defs": {
            "positive": { "type": "number", "exclusiveMinimum": 0 },
            "node": {
              "type": "object",
              "properties": { "value": { "type": "number" }, "children": { "type": "array", "items": { "$ref": "#/$defs/node" } } }
            }
          },
          "additionalProperties": true
        }
        """#
}
