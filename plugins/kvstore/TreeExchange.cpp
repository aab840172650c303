#include "TreeExchange.h"
#include "EntryCodec.h"
#include "p2p/Errors.h"
#include "p2p/Json.h"
#include <Poco/JSON/Array.h>
#include <map>
#include <memory>

namespace p2p::kvstore {

namespace {

/// How long a tree made for an asker answers its next steps.
constexpr Poco::Timestamp::TimeDiff kTreeLifetime = 5 * 1000 * 1000;

const char* stepName(TreeQuestion::Step step)
{
	switch (step)
	{
	case TreeQuestion::Step::Tops: return "tops";
	case TreeQuestion::Step::Leaves: return "leaves";
	case TreeQuestion::Step::Versions: return "versions";
	}
	return "tops";
}

Poco::JSON::Array::Ptr numbers(const std::vector<std::size_t>& list)
{
	Poco::JSON::Array::Ptr array = new Poco::JSON::Array;
	for (const auto n : list) array->add(static_cast<Poco::UInt64>(n));
	return array;
}

std::vector<std::size_t> numbersFrom(const Poco::JSON::Object& body, const std::string& field, std::size_t below)
{
	std::vector<std::size_t> list;
	const auto array = body.getArray(field);
	if (!array) throw BadRequestException("field '" + field + "' must be a list of numbers");
	if (array->size() > below) throw BadRequestException("field '" + field + "' has more entries than there are leaves");
	for (std::size_t i = 0; i < array->size(); ++i)
	{
		const Poco::Dynamic::Var item = array->get(static_cast<unsigned>(i));
		if (!item.isInteger() || item.convert<Poco::Int64>() < 0 || item.convert<Poco::Int64>() >= static_cast<Poco::Int64>(below))
			throw BadRequestException("entry " + std::to_string(i) + " of '" + field + "' is not a number below " +
			                          std::to_string(below));
		list.push_back(item.convert<std::size_t>());
	}
	return list;
}

KeyedEntries entriesFrom(const Poco::JSON::Object& body, const std::string& field, bool versionsOnly)
{
	KeyedEntries entries;
	if (!body.has(field)) return entries;
	const auto array = body.getArray(field);
	if (!array) throw BadRequestException("field '" + field + "' must be a list of entries");
	for (std::size_t i = 0; i < array->size(); ++i)
	{
		const auto item = array->getObject(static_cast<unsigned>(i));
		if (!item) throw BadRequestException("entry " + std::to_string(i) + " of '" + field + "' is not an object");
		entries.push_back(versionsOnly ? EntryCodec::versionFromJson(*item) : EntryCodec::fromJson(*item));
	}
	return entries;
}

} // namespace

Poco::JSON::Object::Ptr TreeQuestion::toJson() const
{
	auto body = json::object();
	body->set("from", from);
	body->set("step", std::string(stepName(step)));
	if (step == Step::Leaves) body->set("top", static_cast<Poco::UInt64>(top));
	if (step != Step::Versions)
	{
		Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
		for (const auto digest : digests) list->add(DigestTree::toHex(digest));
		body->set("digests", list);
		return body;
	}
	body->set("leaves", numbers(leaves));
	Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
	for (const auto& [key, entry] : versions) list->add(EntryCodec::versionToJson(key, entry));
	body->set("versions", list);
	return body;
}

TreeQuestion TreeQuestion::fromJson(const Poco::JSON::Object& body)
{
	TreeQuestion question;
	question.from = json::requireString(body, "from");
	if (question.from.empty() || question.from.size() > 128) throw BadRequestException("field 'from' must be a node id");
	const std::string step = json::requireString(body, "step");
	if (step == "tops")
		question.step = Step::Tops;
	else if (step == "leaves")
		question.step = Step::Leaves;
	else if (step == "versions")
		question.step = Step::Versions;
	else
		throw BadRequestException("field 'step' must be tops, leaves or versions, not '" + step.substr(0, 32) + "'");
	if (question.step == Step::Versions)
	{
		question.leaves = numbersFrom(body, "leaves", DigestTree::kLeaves);
		question.versions = entriesFrom(body, "versions", true);
		return question;
	}
	if (question.step == Step::Leaves)
	{
		const Poco::Int64 top = json::requireInt(body, "top");
		if (top < 0 || top >= static_cast<Poco::Int64>(DigestTree::kTops))
			throw BadRequestException("field 'top' must be below " + std::to_string(DigestTree::kTops));
		question.top = static_cast<std::size_t>(top);
	}
	const auto digests = body.getArray("digests");
	const std::size_t expected = question.step == Step::Tops ? DigestTree::kTops : DigestTree::kLeavesPerTop;
	if (!digests || digests->size() != expected)
		throw BadRequestException("field 'digests' must be a list of " + std::to_string(expected) + " digests");
	for (std::size_t i = 0; i < digests->size(); ++i)
		question.digests.push_back(DigestTree::fromHex(digests->getElement<std::string>(static_cast<unsigned>(i))));
	return question;
}

Poco::JSON::Object::Ptr TreeAnswer::toJson() const
{
	auto body = json::object();
	body->set("differing", numbers(differing));
	Poco::JSON::Array::Ptr entries = new Poco::JSON::Array;
	for (const auto& [key, entry] : newer) entries->add(EntryCodec::toJson(key, entry));
	body->set("newer", entries);
	Poco::JSON::Array::Ptr keys = new Poco::JSON::Array;
	for (const auto& key : wanted) keys->add(key);
	body->set("wanted", keys);
	return body;
}

TreeAnswer TreeAnswer::fromJson(const Poco::JSON::Object& body)
{
	TreeAnswer answer;
	answer.differing = numbersFrom(body, "differing", DigestTree::kLeaves);
	answer.newer = entriesFrom(body, "newer", false);
	const auto keys = body.getArray("wanted");
	for (std::size_t i = 0; keys && i < keys->size(); ++i) answer.wanted.push_back(keys->getElement<std::string>(static_cast<unsigned>(i)));
	return answer;
}

TreeResponder::TreeResponder(const SharedKeys& keys, Store& local): _keys(keys), _local(local)
{
}

TreeResponder::Made& TreeResponder::madeFor(const std::string& peer)
{
	for (auto it = _made.begin(); it != _made.end();)
		it = it->second.at.isElapsed(kTreeLifetime) ? _made.erase(it) : std::next(it);
	return _made[peer];
}

DigestTree TreeResponder::treeFor(const std::string& peer)
{
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		const Made& made = madeFor(peer);
		if (made.tree) return *made.tree;
	}
	DigestTree tree = _keys.treeFor(peer); // a scan: outside the lock
	Poco::FastMutex::ScopedLock lock(_mutex);
	madeFor(peer).tree = tree;
	return tree;
}

std::shared_ptr<const std::map<std::size_t, KeyedEntries>> TreeResponder::versionsFor(const std::string& peer)
{
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		const Made& made = madeFor(peer);
		if (made.versions) return made.versions;
	}
	auto versions = std::make_shared<const std::map<std::size_t, KeyedEntries>>(_keys.versionsByLeaf(peer));
	Poco::FastMutex::ScopedLock lock(_mutex);
	madeFor(peer).versions = versions;
	return versions;
}

TreeAnswer TreeResponder::answer(const TreeQuestion& question)
{
	TreeAnswer answer;
	if (question.step == TreeQuestion::Step::Tops)
	{
		// An exchange starts here: from what this node holds now, not from
		// what it held for the asker's last pass.
		{
			Poco::FastMutex::ScopedLock lock(_mutex);
			_made.erase(question.from);
		}
		const auto mine = treeFor(question.from).tops();
		for (std::size_t i = 0; i < mine.size(); ++i)
			if (mine[i] != question.digests[i]) answer.differing.push_back(i);
		return answer;
	}
	if (question.step == TreeQuestion::Step::Leaves)
	{
		const auto mine = treeFor(question.from).leaves(question.top);
		for (std::size_t i = 0; i < mine.size(); ++i)
			if (mine[i] != question.digests[i]) answer.differing.push_back(question.top * DigestTree::kLeavesPerTop + i);
		return answer;
	}
	// Versions: who has what newer, key by key, in the leaves that differed.
	std::map<std::string, const Entry*> theirs;
	for (const auto& [key, entry] : question.versions) theirs.emplace(key, &entry);
	const auto byLeaf = versionsFor(question.from);
	std::map<std::string, const Entry*> held;
	for (const auto leaf : question.leaves)
	{
		const auto found = byLeaf->find(leaf);
		if (found == byLeaf->end()) continue;
		for (const auto& [key, version] : found->second)
		{
			held.emplace(key, &version);
			const auto it = theirs.find(key);
			if (it != theirs.end() && !version.newerThan(*it->second)) continue;
			// The value, as it is now (a newer write may have come meanwhile).
			if (auto entry = _local.get(key)) answer.newer.emplace_back(key, std::move(*entry));
		}
	}
	for (const auto& [key, entry] : question.versions)
	{
		const auto it = held.find(key);
		if (it == held.end() || entry.newerThan(*it->second)) answer.wanted.push_back(key);
	}
	return answer;
}

} // namespace p2p::kvstore
