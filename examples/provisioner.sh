#!/bin/sh
# An example provisioner for AUTOBUILD_PROVISIONER=command (docs/provisioning.md).
#
#   AUTOBUILD_PROVISIONER=command \
#   AUTOBUILD_PROVISIONER_COMMAND="sh examples/provisioner.sh" npm start
#
# The job arrives as JSON on stdin and as AUTOBUILD_* variables. Whatever this
# prints goes into the job's log; exit 0 means the build succeeded, any other
# exit fails it with the last lines printed on stderr. It may run more than
# once for the same job (a worker died mid-build): every step here is
# idempotent, keyed by the workspace id.
#
# It "provisions" a workspace as a state file under $EXAMPLE_STATE_DIR
# (default: $TMPDIR/autobuild-example). EXAMPLE_SLEEP (seconds, default 2)
# stands for the time real infrastructure takes. A workspace whose name starts
# with "broken" fails, to show what a failure looks like.
set -eu

job=$(cat)
echo "job: $job"
echo "$AUTOBUILD_TRANSITION of $AUTOBUILD_OWNER/$AUTOBUILD_WORKSPACE_NAME" \
  "(template $AUTOBUILD_TEMPLATE version $AUTOBUILD_TEMPLATE_VERSION, build #$AUTOBUILD_BUILD_NUMBER," \
  "reason $AUTOBUILD_REASON, job $AUTOBUILD_JOB_ID, attempt $AUTOBUILD_ATTEMPT)"

case "$AUTOBUILD_WORKSPACE_NAME" in
  broken*)
    echo "checking the template..." >&2
    echo "error: template $AUTOBUILD_TEMPLATE has no image for $AUTOBUILD_WORKSPACE_NAME" >&2
    exit 1
    ;;
esac

state_dir=${EXAMPLE_STATE_DIR:-${TMPDIR:-/tmp}/autobuild-example}
mkdir -p "$state_dir"
state="$state_dir/$AUTOBUILD_WORKSPACE_ID"

sleep "${EXAMPLE_SLEEP:-2}"
case "$AUTOBUILD_TRANSITION" in
  start)  echo "running $AUTOBUILD_TEMPLATE_VERSION" > "$state" ;;
  stop)   echo "stopped" > "$state" ;;
  delete) rm -f "$state" ;;
esac
echo "$AUTOBUILD_TRANSITION done: $(cat "$state" 2>/dev/null || echo gone)"
