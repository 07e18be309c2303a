// Writes a parsed JSON value in one canonical compact form, the bytes an event identity hashes.
#pragma once

#include <QByteArray>

#include <string_view>

namespace simdjson::dom {
class element;
} // namespace simdjson::dom

namespace ea {

// The form is QJsonDocument's compact output, so identities stay what they were and a value
// read back through Qt (ClaudeEvent::payload()) writes the same bytes: no whitespace, object
// members sorted by key (by code point; of duplicate keys the last), strings escaped only
// where JSON requires it (", \ and control characters), integers that fit 64 bits with their
// digits, other numbers in the shortest form that reads back the same double.
class CanonicalJson
{
public:
    // Appends the value to out; returns its nesting depth (a scalar 0, {} or [] 1).
    static int write(const simdjson::dom::element& value, QByteArray* out);
    // The value's bytes in an array exactly as long as they are (what an event holds); *depth
    // gets its nesting depth.
    static QByteArray bytes(const simdjson::dom::element& value, int* depth);
    // Nesting depth without writing: exact up to stopAbove, else some number above it.
    static int depth(const simdjson::dom::element& value, int stopAbove);
    // A UTF-8 string as a JSON string literal, quotes included.
    static void appendString(std::string_view utf8, QByteArray* out);
    // The order of keys: by code point, which is UTF-8 byte order (Qt's order too).
    static bool keyLess(std::string_view a, std::string_view b);
};

} // namespace ea
