/*
 * omnitls — credentials compiled into the connection fuzz targets (they run
 * without the generated test PKI): a self-signed P-256 certificate for
 * "localhost" (CA:TRUE, valid until 2126) and its key. Test data only.
 */
#ifndef OTLS_FUZZ_CREDS_H
#define OTLS_FUZZ_CREDS_H

static const char fuzz_cert_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIB0DCCAXWgAwIBAgIUPz/X3sn1wzsprji6Yvt7u4QY/uEwCgYIKoZIzj0EAwIw\n"
    "JjEQMA4GA1UECgwHb21uaXRsczESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEy\n"
    "ODEwMzEwM1oYDzIxMjYxMTA0MTAzMTAzWjAmMRAwDgYDVQQKDAdvbW5pdGxzMRIw\n"
    "EAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAASK+c74\n"
    "9TaDhdyanL3lCo6JzExLTrpJSa0TzOM4/WxOHxeD/Yh79pE27fbqujiEpv28cQch\n"
    "gTX3JzPVYqMWb6/Vo38wfTAdBgNVHQ4EFgQUoBVm54+vP8Q/Vbv9lww+CVFqPCUw\n"
    "HwYDVR0jBBgwFoAUoBVm54+vP8Q/Vbv9lww+CVFqPCUwGgYDVR0RBBMwEYIJbG9j\n"
    "YWxob3N0hwR/AAABMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgGGMAoG\n"
    "CCqGSM49BAMCA0kAMEYCIQCl9DD92ZA4NiCs0Veg7tYvxEK/XasKls7iBt3hdD17\n"
    "twIhAL05wdlUdf8ZZK9E2uNYYva5h7JR6/4wQtbEb/LMb2jI\n"
    "-----END CERTIFICATE-----\n";

static const char fuzz_key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgR5YhvBZuBIBsnrSw\n"
    "FozwAle9RoNvj/z9nBEk40gqfO+hRANCAASK+c749TaDhdyanL3lCo6JzExLTrpJ\n"
    "Sa0TzOM4/WxOHxeD/Yh79pE27fbqujiEpv28cQchgTX3JzPVYqMWb6/V\n"
    "-----END PRIVATE KEY-----\n";

#endif
