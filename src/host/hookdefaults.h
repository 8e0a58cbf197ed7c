/* What the host does for an optional hook a plugin leaves out: the loader
 * puts these stand-ins into its complete copy of the plugin's ops, so the
 * rest of the core calls every hook without asking whether it is there.
 * Each does what the SDK header documents for the missing hook. */
#ifndef WEIR_HOOKDEFAULTS_H
#define WEIR_HOOKDEFAULTS_H

#include <weir/weir.h>

/* Fill the NULL optional hooks of a transport's ops. server_accept and
 * server_adopt count as optional here: the loader has already refused a
 * plugin that lacks the one its caps require. */
void hookdefaults_transport(struct weir_transport_ops *ops);
/* The plugin itself has the hooks that move messages of the caller's own
 * framing: write_bytes and read_bytes for a byte stream
 * (WEIR_CAP_RELIABLE), else send_datagrams and recv_datagrams for a
 * datagram transport -- not the host's stand-ins. */
int hookdefaults_carries_messages(const struct weir_transport_ops *ops);

/* Fill the NULL optional hooks of a reporter's ops. */
void hookdefaults_reporter(struct weir_reporter_ops *ops);

#endif
