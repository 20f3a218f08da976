/* Unit tests for core/identity.c (checkServerIdentity). */
#include "internal.h"
#include "otls_test.h"
#include "pem.h"

static uint8_t *load_der(const char *name, size_t *len) {
  uint8_t *data;
  size_t n;
  CHECK_INT(otls__read_file(pki(name), &data, &n), 0);
  const uint8_t *p = data;
  struct otls__pem_block blk;
  CHECK_INT(otls__pem_next(&p, data + n, &blk), 1);
  free(data);
  *len = blk.der_len;
  return blk.der;
}

static int check(const char *host, const char *cert, char *reason, size_t rlen) {
  size_t len;
  uint8_t *der = load_der(cert, &len);
  int rv = otls__check_identity(host, der, len, reason, rlen);
  free(der);
  return rv;
}

#define OK(host, cert) CHECK_ERR(check(host, cert, reason, sizeof(reason)), 0)
#define BAD(host, cert) CHECK_ERR(check(host, cert, reason, sizeof(reason)), OTLS_E_CERT_ALTNAME_INVALID)

TEST(identity_matches_dns_names_case_insensitively) {
  char reason[256];
  OK("localhost", "server-rsa.pem");
  OK("LOCALHOST", "server-rsa.pem");
  OK("localhost.", "server-rsa.pem"); /* trailing dot */
  OK("localhost..", "server-rsa.pem"); /* Node strips a dot twice (unfqdn + splitHost) */
  BAD("otherhost", "server-rsa.pem");
  CHECK_STR(reason, "Host: otherhost. is not in the cert's altnames: DNS:localhost, "
                    "DNS:*.example.test, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, "
                    "email:admin@example.test, URI:https://localhost/");
}

TEST(identity_wildcard_covers_exactly_one_label) {
  char reason[256];
  OK("a.example.test", "server-rsa.pem");
  OK("WWW.Example.Test", "server-rsa.pem");
  BAD("example.test", "server-rsa.pem");
  BAD("a.b.example.test", "server-rsa.pem");
  OK(".example.test", "server-rsa.pem"); /* as Node: '*' may match an empty label */
}

TEST(identity_matches_ip_addresses_only_against_ip_sans) {
  char reason[256];
  OK("127.0.0.1", "server-rsa.pem");
  OK("::1", "server-rsa.pem");
  OK("0:0:0:0:0:0:0:1", "server-rsa.pem");
  BAD("127.0.0.2", "server-rsa.pem");
  CHECK_STR(reason, "IP: 127.0.0.2 is not in the cert's list: 127.0.0.1, ::1");
  /* The wronghost cert has no IP SANs: its CN/DNS never match an IP. */
  BAD("127.0.0.1", "wronghost.pem");
}

TEST(identity_reports_the_reason_for_a_dns_mismatch) {
  char reason[256];
  BAD("localhost", "wronghost.pem");
  CHECK_STR(reason, "Host: localhost. is not in the cert's altnames: DNS:wrong.example.test");
}

TEST(identity_rejects_garbage_der) {
  char reason[256];
  uint8_t junk[10] = {0x30, 0x08, 1, 2, 3, 4, 5, 6, 7, 8};
  CHECK_ERR(otls__check_identity("localhost", junk, sizeof(junk), reason, sizeof(reason)),
            OTLS_E_CERT_ALTNAME_INVALID);
}
