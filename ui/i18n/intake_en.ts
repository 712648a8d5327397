<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US" sourcelanguage="vi_VN">
<context>
    <name>HomeScreen</name>
    <message>
        <location filename="../app.py" line="382"/>
        <source>Khóa màn hình</source>
        <translation>Lock screen</translation>
    </message>
    <message>
        <location filename="../app.py" line="383"/>
        <source>Đăng xuất</source>
        <translation>Log out</translation>
    </message>
    <message>
        <location filename="../app.py" line="394"/>
        <source>Đồng bộ: chưa chạy.</source>
        <translation>Sync: not run yet.</translation>
    </message>
    <message>
        <location filename="../app.py" line="396"/>
        <source>Gửi ngay</source>
        <translation>Send now</translation>
    </message>
    <message>
        <location filename="../app.py" line="402"/>
        <source>Hồ sơ theo trạng thái</source>
        <translation>Dossiers by state</translation>
    </message>
    <message>
        <location filename="../app.py" line="406"/>
        <source>Trạng thái</source>
        <translation>State</translation>
    </message>
    <message>
        <location filename="../app.py" line="406"/>
        <source>Số hồ sơ</source>
        <translation>Dossiers</translation>
    </message>
    <message>
        <location filename="../app.py" line="433"/>
        <source>Xin chào, {name} ({role})</source>
        <translation>Hello, {name} ({role})</translation>
    </message>
    <message>
        <location filename="../app.py" line="437"/>
        <source>{name} — mã trạm {code}</source>
        <translation>{name} — station code {code}</translation>
    </message>
    <message>
        <location filename="../app.py" line="440"/>
        <source>Bạn phải đổi mật khẩu trước khi làm việc.</source>
        <translation>You must change your password before you go on working.</translation>
    </message>
    <message>
        <location filename="../app.py" line="448"/>
        <source>Đồng bộ: trạm chưa có địa chỉ máy chủ nhận.</source>
        <translation>Sync: this station has no receiver address.</translation>
    </message>
    <message>
        <location filename="../app.py" line="455"/>
        <source>Đồng bộ lúc {time}: không kết nối được máy chủ nhận.</source>
        <translation>Sync at {time}: the receiver could not be reached.</translation>
    </message>
    <message>
        <location filename="../app.py" line="460"/>
        <source>Đồng bộ lúc {time}: {receipted} hồ sơ có biên nhận, {refused} bị từ chối, {failed} lỗi.</source>
        <translation>Sync at {time}: {receipted} dossiers receipted, {refused} refused, {failed} failed.</translation>
    </message>
    <message>
        <location filename="../app.py" line="485"/>
        <source>Không đọc được số liệu hồ sơ: {error}</source>
        <translation>Cannot read the dossier figures: {error}</translation>
    </message>
</context>
<context>
    <name>LoginScreen</name>
    <message>
        <location filename="../app.py" line="200"/>
        <source>Trạm thu nhận hồ sơ căn cước</source>
        <translation>Citizen ID dossier intake station</translation>
    </message>
    <message>
        <location filename="../app.py" line="203"/>
        <source>Đăng nhập để mở kho dữ liệu của trạm.</source>
        <translation>Log in to open the station&apos;s data store.</translation>
    </message>
    <message>
        <location filename="../app.py" line="218"/>
        <source>Mã cán bộ</source>
        <translation>Operator ID</translation>
    </message>
    <message>
        <location filename="../app.py" line="219"/>
        <source>Mật khẩu</source>
        <translation>Password</translation>
    </message>
    <message>
        <location filename="../app.py" line="223"/>
        <source>Đăng xuất</source>
        <translation>Log out</translation>
    </message>
    <message>
        <location filename="../app.py" line="267"/>
        <source>{name} — mã trạm {code}</source>
        <translation>{name} — station code {code}</translation>
    </message>
    <message>
        <location filename="../app.py" line="273"/>
        <location filename="../app.py" line="277"/>
        <source>Đăng nhập</source>
        <translation>Log in</translation>
    </message>
    <message>
        <location filename="../app.py" line="285"/>
        <source>Màn hình đã khóa</source>
        <translation>Screen locked</translation>
    </message>
    <message>
        <location filename="../app.py" line="290"/>
        <source>Mở khóa</source>
        <translation>Unlock</translation>
    </message>
    <message>
        <location filename="../app.py" line="307"/>
        <source>Đang kiểm tra mật khẩu…</source>
        <translation>Checking the password…</translation>
    </message>
    <message>
        <location filename="../app.py" line="332"/>
        <source>Thời gian chờ còn lại: {time}</source>
        <translation>Time left to wait: {time}</translation>
    </message>
    <message>
        <location filename="../app.py" line="334"/>
        <source>Có thể thử lại.</source>
        <translation>You can try again now.</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../app.py" line="525"/>
        <source>Trạm thu nhận hồ sơ căn cước</source>
        <translation>Citizen ID dossier intake station</translation>
    </message>
    <message>
        <location filename="../app.py" line="534"/>
        <source>DEMO — trạm trình diễn: chỉ dùng dữ liệu thử, không dùng cho hồ sơ thật.</source>
        <translation>DEMO — demonstration station: test data only, never real dossiers.</translation>
    </message>
    <message>
        <location filename="../app.py" line="625"/>
        <source>Lỗi ngoài dự kiến khi đăng nhập; xem nhật ký của trạm.</source>
        <translation>Unexpected error while logging in; see the station log.</translation>
    </message>
    <message>
        <location filename="../app.py" line="704"/>
        <source>Bạn đã khóa màn hình. Nhập mật khẩu để tiếp tục.</source>
        <translation>You locked the screen. Enter your password to go on.</translation>
    </message>
</context>
<context>
    <name>run</name>
    <message>
        <location filename="../app.py" line="802"/>
        <source>Không mở được trạm</source>
        <translation>Cannot open the station</translation>
    </message>
</context>
</TS>
