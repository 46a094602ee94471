// Routes: /feed/<room>/<participant> = clean feed; /r/<room> and / = the call page.
import './style.css';
import { startFeed } from './feed.ts';
import { startApp } from './page/app.ts';

const parts = location.pathname.split('/').filter(Boolean).map(decodeURIComponent);
if (parts[0] === 'feed' && parts.length === 3) startFeed(parts[1], parts[2]);
else startApp(parts[0] === 'r' && parts[1] ? parts[1] : null);
