export { createSessionService, type CurrentSession, type SessionLiveness, type SessionService } from './session-service.ts';
export { generateSessionId, hashSessionId } from './session-id.ts';
export { sessionIsLive, type Session, type SessionSettings, type SessionStore } from './session.ts';
export { createLoginThrottle, type LoginAttemptStore, type LoginThrottle, type LoginThrottleSettings } from './login-throttle.ts';
export { createSignIn, type SignInResult } from './sign-in.ts';
export { safeReturnTo } from './return-to.ts';
