/* omnitls CLI — the subcommands. Each returns the process exit status. */
#ifndef OMNITLS_APPS_COMMANDS_H
#define OMNITLS_APPS_COMMANDS_H

int cmd_s_client(int argc, char **argv);
int cmd_s_server(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_x509(int argc, char **argv);
int cmd_check_identity(int argc, char **argv);
int cmd_ciphers(int argc, char **argv);

#endif
