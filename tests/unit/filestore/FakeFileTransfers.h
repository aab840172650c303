#ifndef P2P_Test_FakeFileTransfers_INCLUDED
#define P2P_Test_FakeFileTransfers_INCLUDED

#include "FileTransfers.h"
#include "p2p/Errors.h"
#include <iterator>
#include <map>
#include <mutex>
#include <set>

/// Other nodes' files in memory (name -> bytes and SHA-256), for testing
/// replication and rebalancing without sockets: a node taken down throws
/// BadGatewayException like an unreachable peer; one that refuses answers
/// a copy with "not stored", as a node with a full disk does.
class FakeFileTransfers: public p2p::filestore::FileTransfers
{
public:
	using Owner = p2p::filestore::Owner;
	using FileInfo = p2p::filestore::FileInfo;

	struct Copy
	{
		std::string bytes;
		std::string sha256;
	};

	void down(const std::string& id) { std::lock_guard<std::mutex> lock(_mutex); _down.insert(id); }
	void refuses(const std::string& id) { std::lock_guard<std::mutex> lock(_mutex); _refusing.insert(id); }

	/// Puts a version on a node directly, as if it had got it earlier.
	void give(const std::string& id, const std::string& name, const std::string& sha256)
	{
		std::lock_guard<std::mutex> lock(_mutex);
		_nodes[id][name] = Copy{"", sha256};
	}

	const Copy* copyOn(const std::string& id, const std::string& name)
	{
		std::lock_guard<std::mutex> lock(_mutex);
		const auto node = _nodes.find(id);
		if (node == _nodes.end()) return nullptr;
		const auto file = node->second.find(name);
		return file == node->second.end() ? nullptr : &file->second;
	}

	int copiesSent() const { return _copies; }

	bool holds(const Owner& owner, const FileInfo& info) override
	{
		reach(owner);
		const Copy* copy = copyOn(owner.id, info.name);
		return copy && copy->sha256 == info.sha256;
	}

	bool copy(const Owner& owner, p2p::filestore::FileCatalog::OpenFile& file) override
	{
		reach(owner);
		const std::string sha256 = file.sha256();
		std::string bytes{std::istreambuf_iterator<char>(*file.stream), std::istreambuf_iterator<char>()};
		std::lock_guard<std::mutex> lock(_mutex);
		++_copies;
		if (_refusing.count(owner.id)) return false;
		_nodes[owner.id][file.info.name] = Copy{std::move(bytes), sha256};
		return true;
	}

	bool remove(const Owner& owner, const std::string& name, Poco::Timestamp) override
	{
		reach(owner);
		std::lock_guard<std::mutex> lock(_mutex);
		return _nodes[owner.id].erase(name) > 0;
	}

	std::vector<FileInfo> list(const Owner& owner) override
	{
		reach(owner);
		std::lock_guard<std::mutex> lock(_mutex);
		std::vector<FileInfo> files;
		for (const auto& [name, copy] : _nodes[owner.id])
		{
			FileInfo info;
			info.name = name;
			info.size = copy.bytes.size();
			info.sha256 = copy.sha256;
			files.push_back(info);
		}
		return files;
	}

	/// The node's copy, if it has one of this version (by SHA-256).
	bool fetch(const Owner& owner, const FileInfo& info, p2p::filestore::FileCatalog& catalog) override
	{
		reach(owner);
		std::string bytes;
		{
			std::lock_guard<std::mutex> lock(_mutex);
			const auto node = _nodes.find(owner.id);
			if (node == _nodes.end()) return false;
			const auto file = node->second.find(info.name);
			if (file == node->second.end() || file->second.sha256 != info.sha256) return false;
			bytes = file->second.bytes;
		}
		auto upload = catalog.begin();
		upload->write(bytes.data(), bytes.size());
		if (upload->sha256() != info.sha256) return false;
		return upload->restore(info.name, info.modified).has_value();
	}

private:
	void reach(const Owner& owner)
	{
		std::lock_guard<std::mutex> lock(_mutex);
		if (_down.count(owner.id)) throw p2p::BadGatewayException(owner.id + " cannot be reached");
	}

	std::mutex _mutex;
	std::map<std::string, std::map<std::string, Copy>> _nodes;
	std::set<std::string> _down;
	std::set<std::string> _refusing;
	int _copies = 0;
};

#endif
