-- Report rows not matched to a roster user, per snapshot: reason `concealed`, `unknown_user` or `deleted_user`
SELECT * FROM {{ history('suspicious_activity') }}
