// A read-only index over one JSON text, for the receive hot path: it validates, finds values
// and writes the canonical compact form without building a QJsonDocument.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QLatin1String>
#include <QString>

#include <vector>

namespace ea {

class JsonViewArray;
class JsonViewObject;
class JsonViewValue;

// It is a fast path, never a second opinion: whatever it accepts, QJsonDocument::fromJson()
// accepts too and reads the same way, and canonical() writes exactly the bytes of
// QJsonDocument::toJson(QJsonDocument::Compact). Anything it is not sure about (keys with
// escapes or non-ASCII characters, duplicate keys, nesting deeper than MaxDepth, invalid JSON)
// makes parse() return false, and the caller falls back to QJsonDocument, which then decides.
//
//   JsonView v;
//   if (v.parse(bytes) && v.kind(v.root()) == JsonView::Kind::Object) {
//       const int data = v.member(v.root(), QLatin1String("data"));
//       ...
//   }
class JsonView
{
public:
    enum class Kind : quint8
    {
        Null,
        False,
        True,
        Number,
        String,
        Array,
        Object
    };
    static constexpr int MaxDepth = 512;

    // Indexes `text`, which must stay alive and unchanged while the view is used: nodes point
    // into it. One JSON object or array, with optional whitespace around it (what
    // QJsonDocument::fromJson() takes). False: not JSON, or JSON this fast path leaves to Qt.
    bool parse(QByteArrayView text);

    // True when QJsonDocument::fromJson('[' + text + ']') certainly succeeds: text is one or
    // more comma-separated JSON values. False means "not certain", not "invalid".
    static bool isValidArrayContent(QByteArrayView text);

    int root() const { return 0; }
    Kind kind(int node) const { return m_nodes[size_t(node)].kind; }
    bool isNode(int node) const { return node >= 0 && size_t(node) < m_nodes.size(); }
    bool isObject(int node) const { return isNode(node) && kind(node) == Kind::Object; }
    bool isString(int node) const { return isNode(node) && kind(node) == Kind::String; }
    bool isNumber(int node) const { return isNode(node) && kind(node) == Kind::Number; }
    bool isBool(int node) const
    {
        return isNode(node) && (kind(node) == Kind::True || kind(node) == Kind::False);
    }

    // Member of an object by key; -1 when absent or when `object` is not an object.
    int member(int object, QLatin1String key) const;
    // Number of members or elements of a container, and the i-th (objects: in key order).
    int childCount(int node) const;
    int child(int node, int i) const;
    QByteArrayView key(int member) const; // raw key of an object member (plain ASCII)

    // The exact text of a value (strings with their quotes).
    QByteArrayView text(int node) const;
    // A string's value, as QJsonValue::toString() would give it; empty for non-strings.
    QString string(int node) const;
    // True when the string holds no characters (cheaper than string(node).isEmpty()).
    bool isEmptyString(int node) const;
    // QJsonValue::toDouble(), toInt() and toBool() of the value (with their defaults).
    double toDouble(int node, double defaultValue = 0) const;
    int toInt(int node, int defaultValue = 0) const;
    bool toBool(int node, bool defaultValue = false) const;

    // QJsonDocument(<the parsed value>).toJson(QJsonDocument::Compact), appended to out.
    void writeCanonical(QByteArray* out) const;
    QByteArray canonical() const;
    // Deepest nesting of objects and arrays (the root counts 1).
    int depth() const { return m_depth; }

    // The root (or any object node) read like a QJsonObject.
    JsonViewObject object(int node) const;

    // Appends s as a JSON string literal (quotes included), escaped as Qt's writer does.
    static void appendString(QStringView s, QByteArray* out);

private:
    struct Node
    {
        Kind kind = Kind::Null;
        bool plain = false;   // strings: the bytes between the quotes are the value's UTF-8 as
                              // Qt writes it; numbers: an integer Qt writes with the same digits
        bool integer = false; // numbers: Qt keeps it as a qint64 (else a double)
        qint32 begin = 0;     // value text; strings without their quotes
        qint32 end = 0;
        qint32 keyBegin = -1; // object members: the key without its quotes
        qint32 keyEnd = -1;
        qint32 children = 0; // containers: index into m_children
        qint32 count = 0;
        qint64 intValue = 0;
        double doubleValue = 0;
    };
    class Parser;

    void write(int node, QByteArray* out) const;
    char* writePlain(int node, char* out) const;

    const char* m_text = nullptr;
    std::vector<Node> m_nodes;
    std::vector<qint32> m_children; // objects: members sorted by key; arrays: in order
    int m_depth = 0;
    bool m_allPlain = true; // every string and number is written back as it came
};

// QJsonValue's reading API over a JsonView node (an absent member reads as undefined), so code
// that reads payloads can be written once, as a template, for QJsonObject and for JsonView.
class JsonViewValue
{
public:
    JsonViewValue() = default;
    JsonViewValue(const JsonView* view, int node) : m_view(view), m_node(node) {}

    bool isUndefined() const { return m_node < 0; }
    bool isNull() const { return m_node >= 0 && m_view->kind(m_node) == JsonView::Kind::Null; }
    bool isBool() const { return m_node >= 0 && m_view->isBool(m_node); }
    bool isDouble() const { return m_node >= 0 && m_view->isNumber(m_node); }
    bool isString() const { return m_node >= 0 && m_view->isString(m_node); }
    bool isObject() const { return m_node >= 0 && m_view->isObject(m_node); }
    bool isArray() const { return m_node >= 0 && m_view->kind(m_node) == JsonView::Kind::Array; }
    bool toBool(bool defaultValue = false) const
    {
        return m_node >= 0 ? m_view->toBool(m_node, defaultValue) : defaultValue;
    }
    int toInt(int defaultValue = 0) const
    {
        return m_node >= 0 ? m_view->toInt(m_node, defaultValue) : defaultValue;
    }
    double toDouble(double defaultValue = 0) const
    {
        return m_node >= 0 ? m_view->toDouble(m_node, defaultValue) : defaultValue;
    }
    QString toString() const { return m_node >= 0 ? m_view->string(m_node) : QString(); }
    JsonViewObject toObject() const;
    JsonViewArray toArray() const;
    int node() const { return m_node; }

private:
    const JsonView* m_view = nullptr;
    int m_node = -1;
};

// QJsonObject's reading API over a JsonView object node; a non-object reads as empty.
class JsonViewObject
{
public:
    JsonViewObject() = default;
    JsonViewObject(const JsonView* view, int node)
        : m_view(view), m_node(view && view->isObject(node) ? node : -1)
    {}

    bool isEmpty() const { return m_node < 0 || m_view->childCount(m_node) == 0; }
    bool contains(QLatin1String key) const
    {
        return m_node >= 0 && m_view->member(m_node, key) >= 0;
    }
    JsonViewValue value(QLatin1String key) const
    {
        return m_node >= 0 ? JsonViewValue(m_view, m_view->member(m_node, key)) : JsonViewValue();
    }
    int node() const { return m_node; }

private:
    const JsonView* m_view = nullptr;
    int m_node = -1;
};

// QJsonArray's reading API (size(), at()) over a JsonView array node; a non-array reads as
// empty.
class JsonViewArray
{
public:
    JsonViewArray() = default;
    JsonViewArray(const JsonView* view, int node)
        : m_view(view),
          m_node(view && view->isNode(node) && view->kind(node) == JsonView::Kind::Array ? node
                                                                                         : -1)
    {}

    qsizetype size() const { return m_node >= 0 ? m_view->childCount(m_node) : 0; }
    bool isEmpty() const { return size() == 0; }
    JsonViewValue at(qsizetype i) const
    {
        return JsonViewValue(m_view, m_view->child(m_node, int(i)));
    }

private:
    const JsonView* m_view = nullptr;
    int m_node = -1;
};

inline JsonViewObject JsonViewValue::toObject() const
{
    return JsonViewObject(m_view, m_node);
}

inline JsonViewArray JsonViewValue::toArray() const
{
    return JsonViewArray(m_view, m_node);
}

inline JsonViewObject JsonView::object(int node) const
{
    return JsonViewObject(this, node);
}

} // namespace ea
