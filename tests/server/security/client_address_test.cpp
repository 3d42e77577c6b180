#include "server/security/client_address.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tandem::server::security {
namespace {

using boost::asio::ip::address;
using boost::asio::ip::make_address;

TrustedProxies proxies(const std::vector<std::string>& cidrs,
                       ProxyHeader header = ProxyHeader::kXForwardedFor) {
  auto parsed = TrustedProxies::parse(cidrs, header);
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error());
  return parsed.ok() ? std::move(parsed).value() : TrustedProxies();
}

const address kProxy = make_address("10.0.0.5");
const address kStranger = make_address("203.0.113.9");

std::string client(const TrustedProxies& trusted, std::string_view xff,
                   std::string_view forwarded = "", const address& peer = kProxy) {
  return client_address(peer, xff, forwarded, trusted).to_string();
}

TEST(TrustedProxiesTest, ParsesNetworksAndAddresses) {
  const TrustedProxies trusted =
      proxies({"10.0.0.0/8", "192.168.1.7", "2001:db8:1::/48", "::1", " 172.16.0.0/12 "});
  EXPECT_TRUE(trusted.contains(make_address("10.255.1.2")));
  EXPECT_FALSE(trusted.contains(make_address("11.0.0.1")));
  EXPECT_TRUE(trusted.contains(make_address("192.168.1.7")));
  EXPECT_FALSE(trusted.contains(make_address("192.168.1.8")));
  EXPECT_TRUE(trusted.contains(make_address("2001:db8:1:ffff::1")));
  EXPECT_FALSE(trusted.contains(make_address("2001:db8:2::1")));
  EXPECT_TRUE(trusted.contains(make_address("::1")));
  EXPECT_FALSE(trusted.contains(make_address("::2")));
  EXPECT_TRUE(trusted.contains(make_address("172.31.255.255")));
  EXPECT_FALSE(trusted.contains(make_address("172.32.0.0")));
}

TEST(TrustedProxiesTest, PrefixBoundariesAreExact) {
  const TrustedProxies trusted = proxies({"10.0.0.0/9", "fe80::/10"});
  EXPECT_TRUE(trusted.contains(make_address("10.127.255.255")));
  EXPECT_FALSE(trusted.contains(make_address("10.128.0.0")));
  EXPECT_TRUE(trusted.contains(make_address("febf::1")));
  EXPECT_FALSE(trusted.contains(make_address("fec0::1")));
  const TrustedProxies everyone = proxies({"0.0.0.0/0"});
  EXPECT_TRUE(everyone.contains(make_address("255.1.2.3")));
  EXPECT_FALSE(everyone.contains(make_address("2001:db8::1")));
}

TEST(TrustedProxiesTest, Ipv4MappedAddressesCountAsIpv4) {
  const TrustedProxies trusted = proxies({"10.0.0.0/8", "::ffff:192.168.0.0/112"});
  EXPECT_TRUE(trusted.contains(make_address("::ffff:10.1.2.3")));
  EXPECT_TRUE(trusted.contains(make_address("192.168.44.1")));
  EXPECT_FALSE(trusted.contains(make_address("192.169.0.1")));
  EXPECT_EQ(unmap_v4(make_address("::ffff:10.1.2.3")), make_address("10.1.2.3"));
  EXPECT_EQ(unmap_v4(make_address("2001:db8::1")), make_address("2001:db8::1"));
}

TEST(TrustedProxiesTest, RefusesBadEntries) {
  for (const std::string_view entry :
       {"", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.1/8", "2001:db8::1/32", "localhost",
        "10.0.0", "10.0.0.0/-1", "10.0.0.0/+8", "fe80::1%eth0", "::ffff:10.0.0.0/95", "1.2.3.4/8/8",
        "[::1]"}) {
    auto parsed = TrustedProxies::parse({std::string(entry)});
    EXPECT_FALSE(parsed.ok()) << entry;
  }
  EXPECT_TRUE(TrustedProxies().empty());
}

TEST(ClientAddressTest, UntrustedPeersHeadersAreIgnored) {
  const TrustedProxies trusted = proxies({"10.0.0.0/8"});
  EXPECT_EQ(client(trusted, "1.2.3.4", "for=1.2.3.4", kStranger), "203.0.113.9");
  EXPECT_EQ(client(TrustedProxies(), "1.2.3.4", "", kProxy), "10.0.0.5");
  EXPECT_EQ(client(trusted, "", "", kStranger), "203.0.113.9");
}

TEST(ClientAddressTest, TrustedPeerWithoutHeaderIsTheClient) {
  EXPECT_EQ(client(proxies({"10.0.0.0/8"}), ""), "10.0.0.5");
  EXPECT_EQ(client(proxies({"10.0.0.0/8"}), " , "), "10.0.0.5");
}

TEST(ClientAddressTest, XForwardedForIsWalkedFromTheRight) {
  const TrustedProxies trusted = proxies({"10.0.0.0/8"});
  EXPECT_EQ(client(trusted, "198.51.100.7"), "198.51.100.7");
  // The client forged the left entries; the proxy appended what it saw.
  EXPECT_EQ(client(trusted, "6.6.6.6, 7.7.7.7, 198.51.100.7"), "198.51.100.7");
  // Trusted hops are skipped.
  EXPECT_EQ(client(trusted, "6.6.6.6, 198.51.100.7, 10.1.1.1,10.2.2.2"), "198.51.100.7");
  // All trusted: the leftmost.
  EXPECT_EQ(client(trusted, "10.9.9.9, 10.1.1.1"), "10.9.9.9");
}

TEST(ClientAddressTest, GarbageLeftOfTheClientDoesNotMatter) {
  const TrustedProxies trusted = proxies({"10.0.0.0/8"});
  EXPECT_EQ(client(trusted, "garbage, 198.51.100.7"), "198.51.100.7");
  EXPECT_EQ(client(trusted, "198.51.100.7, garbage"), "10.0.0.5");
  EXPECT_EQ(client(trusted, "198.51.100.7, garbage, 10.1.1.1"), "10.0.0.5");
  EXPECT_EQ(client(trusted, "unknown"), "10.0.0.5");
  EXPECT_EQ(client(trusted, "1.2.3.4.5"), "10.0.0.5");
  EXPECT_EQ(client(trusted, "01.2.3.4"), "10.0.0.5");
  EXPECT_EQ(client(trusted, "fe80::1%eth0"), "10.0.0.5");
  EXPECT_EQ(client(trusted, "1.2.3.4:99999"), "10.0.0.5");
}

TEST(ClientAddressTest, XForwardedForAcceptsPortsAndIpv6) {
  const TrustedProxies trusted = proxies({"10.0.0.0/8"});
  EXPECT_EQ(client(trusted, "198.51.100.7:51234"), "198.51.100.7");
  EXPECT_EQ(client(trusted, "2001:db8::17"), "2001:db8::17");
  EXPECT_EQ(client(trusted, "[2001:db8::17]"), "2001:db8::17");
  EXPECT_EQ(client(trusted, "[2001:db8::17]:4711"), "2001:db8::17");
  EXPECT_EQ(client(trusted, "::ffff:198.51.100.7"), "198.51.100.7");
}

TEST(ClientAddressTest, MappedPeersAreTrustedAndReportedAsIpv4) {
  const TrustedProxies trusted = proxies({"10.0.0.0/8"});
  EXPECT_EQ(client(trusted, "198.51.100.7", "", make_address("::ffff:10.0.0.5")), "198.51.100.7");
  EXPECT_EQ(client(trusted, "", "", make_address("::ffff:203.0.113.9")), "203.0.113.9");
}

TEST(ClientAddressTest, DefaultModeIgnoresForwarded) {
  EXPECT_EQ(client(proxies({"10.0.0.0/8"}), "198.51.100.7", "for=6.6.6.6"), "198.51.100.7");
  EXPECT_EQ(client(proxies({"10.0.0.0/8"}), "", "for=6.6.6.6"), "10.0.0.5");
}

TEST(ClientAddressTest, ForwardedElementsAreWalkedFromTheRight) {
  const TrustedProxies trusted = proxies({"10.0.0.0/8"}, ProxyHeader::kForwarded);
  EXPECT_EQ(client(trusted, "", "for=192.0.2.60;proto=http;by=203.0.113.43"), "192.0.2.60");
  EXPECT_EQ(client(trusted, "", "for=192.0.2.43, for=198.51.100.17"), "198.51.100.17");
  EXPECT_EQ(client(trusted, "", "for=192.0.2.43, for=198.51.100.17;by=10.0.0.5, for=10.3.3.3"),
            "198.51.100.17");
  EXPECT_EQ(client(trusted, "", "for=10.1.1.1,for=10.2.2.2"), "10.1.1.1");
  EXPECT_EQ(client(trusted, "9.9.9.9", ""), "10.0.0.5");  // X-Forwarded-For is not read
}

TEST(ClientAddressTest, ForwardedQuotedValuesPortsAndIpv6) {
  const TrustedProxies trusted = proxies({"10.0.0.0/8"}, ProxyHeader::kForwarded);
  EXPECT_EQ(client(trusted, "", R"(for="[2001:db8:cafe::17]:4711")"), "2001:db8:cafe::17");
  EXPECT_EQ(client(trusted, "", R"(for="[2001:db8:cafe::17]")"), "2001:db8:cafe::17");
  EXPECT_EQ(client(trusted, "", R"(for="192.0.2.60:8080")"), "192.0.2.60");
  EXPECT_EQ(client(trusted, "", R"(for="192.0.2.60:_port1")"), "192.0.2.60");
  EXPECT_EQ(client(trusted, "", R"(for="192.0.2.60")"), "192.0.2.60");
  EXPECT_EQ(client(trusted, "", R"(FOR=192.0.2.60)"), "192.0.2.60");
  EXPECT_EQ(client(trusted, "", R"(for = 192.0.2.60)"), "10.0.0.5");
  // Commas and semicolons inside quotes do not split.
  EXPECT_EQ(client(trusted, "", R"(for=6.6.6.6, for=192.0.2.60;ext="a,b;c=\"d\"")"), "192.0.2.60");
  EXPECT_EQ(client(trusted, "", R"(for=192.0.2.60 ; proto=https)"), "192.0.2.60");
}

TEST(ClientAddressTest, UnidentifiableOrBrokenForwardedGivesThePeer) {
  const TrustedProxies trusted = proxies({"10.0.0.0/8"}, ProxyHeader::kForwarded);
  for (const std::string_view header : {
           "for=unknown",
           "for=_hidden",
           R"(for="_hidden:_port")",
           "proto=https",
           "for=192.0.2.60;for=192.0.2.61",
           R"(for="192.0.2.60)",
           "for=[2001:db8::1]",
           R"(for="2001:db8::1")",
           R"(for="[192.0.2.60]")",
           "for=192.0.2.60:80",
           R"(for="192.0.2.60:99999")",
           "for=",
           "for",
           "=1.2.3.4",
           R"(for="1.2.3.4\")",
           R"(for="[fe80::1%25eth0]")",
           "for=192.0.2.60, for=unknown",
       }) {
    EXPECT_EQ(client(trusted, "", header), "10.0.0.5") << header;
  }
  // Broken elements left of the client are never reached.
  EXPECT_EQ(client(trusted, "", "for=unknown, for=a=b, for=192.0.2.60"), "192.0.2.60");
}

TEST(ClientAddressTest, EitherModePrefersForwarded) {
  const TrustedProxies trusted = proxies({"10.0.0.0/8"}, ProxyHeader::kEither);
  EXPECT_EQ(client(trusted, "198.51.100.7", "for=192.0.2.60"), "192.0.2.60");
  EXPECT_EQ(client(trusted, "198.51.100.7", ""), "198.51.100.7");
  EXPECT_EQ(client(trusted, "198.51.100.7", "for=unknown"), "10.0.0.5");
}

TEST(ForwardedTlsTest, BelievesOnlyTrustedProxies) {
  const TrustedProxies trusted = proxies({"10.0.0.0/8"});
  EXPECT_TRUE(forwarded_tls(kProxy, "https", "", trusted));
  EXPECT_TRUE(forwarded_tls(kProxy, " HTTPS ", "", trusted));
  EXPECT_TRUE(forwarded_tls(make_address("::ffff:10.0.0.5"), "https", "", trusted));
  EXPECT_FALSE(forwarded_tls(kStranger, "https", "", trusted));
  EXPECT_FALSE(forwarded_tls(kProxy, "http", "", trusted));
  EXPECT_FALSE(forwarded_tls(kProxy, "", "proto=https", trusted));
  EXPECT_FALSE(forwarded_tls(kProxy, "httpsx", "", trusted));
  // The nearest proxy's value counts.
  EXPECT_TRUE(forwarded_tls(kProxy, "http, https", "", trusted));
  EXPECT_FALSE(forwarded_tls(kProxy, "https, http", "", trusted));
}

TEST(ForwardedTlsTest, ReadsProtoOfTheNearestForwardedElement) {
  const TrustedProxies trusted = proxies({"10.0.0.0/8"}, ProxyHeader::kForwarded);
  EXPECT_TRUE(forwarded_tls(kProxy, "", "for=192.0.2.60;proto=https", trusted));
  EXPECT_TRUE(
      forwarded_tls(kProxy, "", R"(for=6.6.6.6;proto=http, Proto="HTTPS";for=1.2.3.4)", trusted));
  EXPECT_FALSE(forwarded_tls(kProxy, "https", "for=192.0.2.60", trusted));
  EXPECT_FALSE(forwarded_tls(kProxy, "", "proto=https, for=1.2.3.4;proto=http", trusted));
  EXPECT_FALSE(forwarded_tls(kProxy, "", "proto=https;proto=https", trusted));
  EXPECT_FALSE(forwarded_tls(kProxy, "", R"(proto="https)", trusted));
  const TrustedProxies either = proxies({"10.0.0.0/8"}, ProxyHeader::kEither);
  EXPECT_TRUE(forwarded_tls(kProxy, "http", "proto=https", either));
  EXPECT_TRUE(forwarded_tls(kProxy, "https", "", either));
}

}  // namespace
}  // namespace tandem::server::security
