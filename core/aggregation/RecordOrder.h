#pragma once

// RecordOrder: an order of records that carry their own links (least recently active first).

#include <QtGlobal>

namespace ea {

// The links a record carries for one RecordOrder. Copying or moving a record never copies its
// place in an order: the copy starts unlinked (a linked record must leave its order first).
template <typename Record> struct OrderLinks
{
    OrderLinks() = default;
    OrderLinks(const OrderLinks& other) noexcept { Q_ASSERT(!other.prev && !other.next); }
    OrderLinks& operator=(const OrderLinks& other) noexcept
    {
        Q_ASSERT(!prev && !next && !other.prev && !other.next);
        return *this;
    }

    Record* prev = nullptr;
    Record* next = nullptr;
};

// Moving a record to the back touches it and its two neighbours only. A std::list<QString> of
// ids fetched a node of its own, both neighbouring nodes and, to find the record again, the
// key's text and a lookup: with a thousand sessions each of those is a cache miss per event.
// LinksOf maps a record to its OrderLinks<Record>; records must not move while linked.
template <typename Record, typename LinksOf> class RecordOrder
{
public:
    class Iterator
    {
    public:
        explicit Iterator(Record* at) : m_at(at) {}
        Record& operator*() const { return *m_at; }
        Record* operator->() const { return m_at; }
        Iterator& operator++()
        {
            m_at = LinksOf()(*m_at).next;
            return *this;
        }
        bool operator==(const Iterator& other) const { return m_at == other.m_at; }

    private:
        Record* m_at;
    };

    RecordOrder() = default;
    RecordOrder(const RecordOrder&) = delete;
    RecordOrder& operator=(const RecordOrder&) = delete;

    bool empty() const { return m_size == 0; }
    qsizetype size() const { return m_size; }
    Record* front() const { return m_front; }
    Record* back() const { return m_back; }
    static Record* next(Record* r) { return LinksOf()(*r).next; }
    static Record* prev(Record* r) { return LinksOf()(*r).prev; }
    bool contains(Record* r) const
    {
        const OrderLinks<Record>& l = LinksOf()(*r);
        return l.prev || l.next || m_front == r;
    }
    Iterator begin() const { return Iterator(m_front); }
    Iterator end() const { return Iterator(nullptr); }

    void pushBack(Record* r) { insertBefore(nullptr, r); }

    // Before pos, or at the back when pos is null.
    void insertBefore(Record* pos, Record* r)
    {
        OrderLinks<Record>& l = LinksOf()(*r);
        Q_ASSERT(!contains(r));
        l.next = pos;
        l.prev = pos ? LinksOf()(*pos).prev : m_back;
        (l.prev ? LinksOf()(*l.prev).next : m_front) = r;
        (pos ? LinksOf()(*pos).prev : m_back) = r;
        ++m_size;
    }

    void remove(Record* r)
    {
        if (!contains(r))
            return;
        OrderLinks<Record>& l = LinksOf()(*r);
        (l.prev ? LinksOf()(*l.prev).next : m_front) = l.next;
        (l.next ? LinksOf()(*l.next).prev : m_back) = l.prev;
        l.prev = l.next = nullptr;
        --m_size;
    }

    void moveToBack(Record* r)
    {
        if (r == m_back)
            return;
        remove(r);
        pushBack(r);
    }

private:
    Record* m_front = nullptr;
    Record* m_back = nullptr;
    qsizetype m_size = 0;
};

} // namespace ea
