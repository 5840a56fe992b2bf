import { useState } from "react";

export function Avatar({
  url,
  login,
  size = 40,
}: {
  url: string | null | undefined;
  login: string;
  size?: number;
}) {
  const [failed, setFailed] = useState(false);
  if (url && !failed) {
    return (
      <img
        className="avatar"
        src={url}
        alt={`Avatar of ${login}`}
        width={size}
        height={size}
        onError={() => setFailed(true)}
      />
    );
  }
  let h = 0;
  for (const ch of login) h = (h * 17 + ch.charCodeAt(0)) % 360;
  return (
    <svg className="avatar" width={size} height={size} viewBox="0 0 40 40" role="img" aria-label={`Avatar of ${login}`}>
      <circle cx="20" cy="20" r="20" fill={`hsl(${h} 40% 38%)`} />
      <text x="20" y="26" textAnchor="middle" fontSize="17" fill="#fff" fontFamily="system-ui, sans-serif">
        {login.slice(0, 1).toUpperCase()}
      </text>
    </svg>
  );
}
