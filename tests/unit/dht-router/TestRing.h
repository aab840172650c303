#ifndef P2P_Test_TestRing_INCLUDED
#define P2P_Test_TestRing_INCLUDED

#include "RingPlacement.h"
#include "p2p/Membership.h"
#include <initializer_list>
#include <memory>

/// A node's view with dht-router's ring over it, as the stores' tests
/// need it: this node is "a" (http://a); join() adds alive members, and
/// the ring follows the view as in a running node.
class TestRing
{
public:
	TestRing():
		_view(std::make_unique<p2p::Membership>(p2p::NodeIdentity{"a", "http://a"})),
		_placement(std::make_shared<p2p::dhtrouter::RingPlacement>(*_view, 1009))
	{
		_view->subscribe([placement = _placement](const p2p::MembershipEvent&) { placement->invalidate(); });
	}

	void join(std::initializer_list<const char*> ids)
	{
		for (const char* id : ids)
		{
			p2p::Member member;
			member.id = id;
			member.url = std::string("http://") + id;
			_view->update(member);
		}
	}

	const std::shared_ptr<p2p::dhtrouter::RingPlacement>& placement() const { return _placement; }

private:
	std::unique_ptr<p2p::Membership> _view;
	std::shared_ptr<p2p::dhtrouter::RingPlacement> _placement;
};

#endif
