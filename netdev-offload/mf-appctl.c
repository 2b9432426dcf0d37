/* mf-appctl: megaflower's ovs-appctl commands. */
#include <config.h>
#include "mf-appctl.h"

#include "mf-caps.h"
#include "openvswitch/dynamic-string.h"
#include "unixctl.h"

static void
caps_cmd(struct unixctl_conn *conn, int argc OVS_UNUSED,
         const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    mf_caps_format(&s);
    ds_put_char(&s, '\n');
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

void
mf_appctl_register(void)
{
    static bool registered;

    if (!registered) {
        registered = true;
        unixctl_command_register("megaflower/caps", "", 0, 0, caps_cmd, NULL);
    }
}
