// --web.systemd-socket: the listening sockets systemd hands a socket-activated service
// (sd_listen_fds(3)): LISTEN_PID names the process they are for, LISTEN_FDS how many,
// numbered from file descriptor 3.
const FIRST_FD = 3;

/** The inherited sockets' file descriptors; throws, naming the variable and the fix, when there are none for this process. */
export function systemdListenFds(env: Record<string, string | undefined>, pid: number): number[] {
  const { LISTEN_PID: forPid, LISTEN_FDS: fds } = env;
  if (forPid === undefined || fds === undefined) {
    throw new Error(
      '--web.systemd-socket: systemd passed no sockets (LISTEN_PID and LISTEN_FDS are not set); start the exporter from a systemd .socket unit, or drop the flag and use --web.listen-address',
    );
  }
  if (!/^\d+$/.test(forPid) || Number(forPid) !== pid) {
    throw new Error(
      `--web.systemd-socket: the sockets are for process ${forPid} (LISTEN_PID), not this one (${pid}); let systemd start the exporter itself, not a wrapper`,
    );
  }
  const count = /^\d+$/.test(fds) ? Number(fds) : 0;
  if (count < 1) throw new Error(`--web.systemd-socket: LISTEN_FDS="${fds}" passes no socket; give the .socket unit a ListenStream=`);
  return Array.from({ length: count }, (_, i) => FIRST_FD + i);
}
