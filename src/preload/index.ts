// The preload exposes nothing yet: the renderer talks to the engine over the loopback HTTP API.
// The typed IPC bridge (window.tako implementing TakoApi) is the desktop-app issue's work.
export {}
